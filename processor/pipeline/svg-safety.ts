/**
 * Whether an SVG may be served as-is. SVG is a document format: opened directly
 * it runs scripts, event handlers and javascript: links, can embed HTML and
 * fetch external resources. Anything of that kind makes the file unsafe; we
 * reject rather than try to clean it (sanitisers are easy to get wrong).
 */
const UNSAFE: readonly [RegExp, string][] = [
  [/<script[\s>/]/i, 'script element'],
  [/\son[a-z]+\s*=/i, 'event handler attribute'],
  [/javascript\s*:/i, 'javascript: URL'],
  [/<foreignObject[\s>/]/i, 'foreignObject (embedded HTML)'],
  [/<!ENTITY/i, 'XML entity declaration'],
  [/(?:href|src)\s*=\s*["']\s*(?:https?:|\/\/|data:text\/html)/i, 'external or HTML reference'],
  [/<(?:iframe|embed|object)[\s>/]/i, 'embedded document'],
  [/@import|url\(\s*["']?\s*(?:https?:|\/\/)/i, 'external stylesheet or resource'],
];

export function svgProblem(svg: string): string | undefined {
  return UNSAFE.find(([pattern]) => pattern.test(svg))?.[1];
}
