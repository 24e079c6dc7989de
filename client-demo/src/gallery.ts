import { apiJson } from './auth.ts';
import { formatBytes, h } from './dom.ts';
import { type FileView, isFinal, type Variant } from './file-view.ts';
import { followStatus } from './status-stream.ts';

const REASONS: Record<string, string> = {
  infected: 'a virus scanner found malware in it',
  'type-not-allowed': 'its content is not an allowed type',
  'type-mismatch': 'its content does not match its declared type',
};

/**
 * The user's files, newest first, each with its status and, once processed,
 * its variants: a `<picture>` of the square thumbnail (AVIF, then WebP) and a
 * link to every variant. Cards update live from the status stream.
 */
export class Gallery {
  readonly #list: HTMLElement;
  readonly #cards = new Map<string, HTMLElement>();
  readonly #watching = new Set<string>();
  readonly #listeners = new Set<(view: FileView) => void>();

  constructor(list: HTMLElement) {
    this.#list = list;
  }

  /** Called with every view the gallery renders (the avatar picker waits for its file this way). */
  onView(listener: (view: FileView) => void): void {
    this.#listeners.add(listener);
  }

  async load(): Promise<void> {
    const page = await apiJson<{ items: FileView[]; next: string | null }>('/api/files?limit=24');
    for (const view of [...page.items].reverse()) this.#render(view);
    for (const view of page.items) if (!isFinal(view.status)) this.watch(view.id);
  }

  /** A new upload: shown at once as pending, then followed until it is final. */
  add(id: string, filename: string): void {
    if (!this.#cards.has(id)) this.#render({ id, status: 'pending', filename, variants: [] });
    this.watch(id);
  }

  watch(id: string): void {
    if (this.#watching.has(id)) return;
    this.#watching.add(id);
    followStatus(id, (view) => this.#render(view))
      .catch((err: unknown) => this.#render({ id, status: 'failed', reason: err instanceof Error ? err.message : String(err), variants: [] }))
      .finally(() => this.#watching.delete(id));
  }

  #render(view: FileView): void {
    const previous = this.#cards.get(view.id);
    // A stream's first event may carry less than the card already shows (no name yet).
    const filename = view.filename ?? previous?.dataset.filename ?? view.id;
    const card = h(
      'li',
      { class: `file status-${view.status}`, 'data-id': view.id, 'data-status': view.status, 'data-filename': filename },
      preview(view, filename),
      h(
        'div',
        { class: 'file-meta' },
        h('strong', { class: 'file-name', title: filename }, filename),
        h('span', { class: 'badge' }, view.status),
        view.reason ? h('p', { class: 'file-reason' }, `${view.status === 'rejected' ? 'Rejected' : 'Failed'}: ${view.reason}${REASONS[view.reason] ? ` (${REASONS[view.reason]})` : ''}`) : null,
        details(view),
        variantList(view.variants),
        view.original ? h('a', { class: 'file-original', href: view.original.url, rel: 'noopener' }, 'original (signed link)') : null,
      ),
    );
    if (previous) previous.replaceWith(card);
    else this.#list.prepend(card);
    this.#cards.set(view.id, card);
    for (const l of this.#listeners) l(view);
  }
}

function preview(view: FileView, filename: string): HTMLElement {
  const thumbs = view.variants.filter((v) => v.label === 'thumb');
  const fallback = thumbs.find((v) => v.format === 'webp') ?? thumbs.find((v) => v.format === 'jpeg') ?? thumbs[0];
  if (!fallback) return h('div', { class: 'file-preview placeholder', 'aria-hidden': 'true' }, view.status === 'ready' ? 'no preview' : view.status);
  const sources = ['avif', 'webp']
    .map((format) => thumbs.find((v) => v.format === format && v !== fallback))
    .filter((v): v is Variant => v !== undefined)
    .map((v) => h('source', { type: v.contentType, srcset: v.url }));
  return h(
    'picture',
    { class: 'file-preview' },
    ...sources,
    h('img', { src: fallback.url, alt: filename, width: fallback.width, height: fallback.height, decoding: 'async' }),
  );
}

function details(view: FileView): HTMLElement | null {
  const parts = [
    view.size !== undefined ? formatBytes(view.size) : undefined,
    view.detectedType ?? view.declaredType,
    view.width && view.height ? `${view.width}×${view.height}` : undefined,
  ].filter(Boolean);
  return parts.length ? h('p', { class: 'file-details' }, parts.join(' · ')) : null;
}

function variantList(variants: Variant[]): HTMLElement | null {
  if (variants.length === 0) return null;
  return h(
    'ul',
    { class: 'variants' },
    ...variants.map((v) =>
      h(
        'li',
        {},
        h('a', { href: v.url, rel: 'noopener', 'data-label': v.label, 'data-format': v.format }, `${v.label} ${v.format}`),
        h('span', {}, `${v.width ? `${v.width}×${v.height} · ` : ''}${formatBytes(v.size)}`),
      ),
    ),
  );
}
