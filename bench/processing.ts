import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { uploadCompleted } from '../config/events.ts';
import { loadConfig } from '../config/schema.ts';
import { processUpload, type JobDeps } from '../processor/pipeline/process-upload.ts';
import { NoScanner } from '../processor/scan/no-scanner.ts';
import { originalReader } from '../processor/storage/original-reader.ts';
import { FileProcessedStore } from '../processor/storage/processed-store.ts';
import { quarantineMover } from '../processor/storage/quarantine.ts';
import { FileStatusStore } from '../processor/status/status-store.ts';
import { photoLike } from './lib/images.ts';
import { envNumber, median, pairedRatio } from './lib/stats.ts';
import { judge, type Measurement, type Section, type Target } from './lib/types.ts';

/**
 * Section: image processing. One 12-megapixel photo-like JPEG through the whole
 * processor job (stage, detect, render the default variant set, write files,
 * manifest, status) vs a bare sharp script doing exactly the same resizes and
 * encodes, alternated round by round. Scanning is left out of both (clamd's
 * speed is not ours). Env: BENCH_PROCESSING_ROUNDS (default 3).
 */
const SECTION = 'image processing (12 MP JPEG, default variants)';

export const processing: Section = {
  name: 'processing',
  run: async (ctx) => {
    const config = loadConfig({ DATA_DIR: ctx.tmpRoot, LOG_LEVEL: 'silent' });
    const photo = path.join(ctx.tmpRoot, 'photo-12mp.jpg');
    await writeFile(photo, await photoLike(4000, 3000));
    const deps = jobDeps(config, ctx.tmpRoot);
    const rounds = envNumber('BENCH_PROCESSING_ROUNDS', 3);
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
      for (const which of order) {
        const seconds = await timed(() => (which === 'ours' ? runJob(photo, deps) : bareSharp(photo, config.processor.images)));
        (which === 'ours' ? ours : bare).push(seconds);
        ctx.log(`round ${round + 1}/${rounds} ${which}: ${seconds.toFixed(2)} s per image`);
      }
    }
    const concurrency = config.processor.concurrency;
    const batch = concurrency * 2;
    const batchSeconds = await timed(() => Promise.all(Array.from({ length: batch }, () => runJob(photo, deps))).then(() => undefined));
    const avif = await avifEffortCost(photo);
    ctx.log(`AVIF 2560 px: effort 4 ${avif.effort4.toFixed(2)} s, effort 2 ${avif.effort2.toFixed(2)} s`);

    const m = (name: string, value: number, unit: string, ratio?: number, baseline?: string, target?: Target): Measurement => ({
      section: SECTION, name, value, unit, ratio, baseline, target, pass: judge(target, value, ratio),
    });
    return {
      measurements: [
        m('bare sharp, time per image', median(bare), 's', 1, 'bare sharp'),
        m('processor, time per image', median(ours), 's', pairedRatio(ours, bare), 'bare sharp', { on: 'ratio', op: '<=', limit: 1.15 }),
        m(`processor, images per second (concurrency ${concurrency})`, batch / batchSeconds, 'img/s'),
        m('AVIF 2560 px variant, effort 4 (default)', avif.effort4, 's', 1, 'effort 4'),
        m('AVIF 2560 px variant, effort 2', avif.effort2, 's', avif.effort2 / avif.effort4, 'effort 4'),
      ],
      raw: { ours, bare, batch, batchSeconds, avif },
    };
  },
};

function jobDeps(config: ReturnType<typeof loadConfig>, root: string): JobDeps {
  return {
    config: config.processor,
    allowedTypes: config.limits.allowedTypes,
    openOriginal: originalReader(undefined),
    scanner: new NoScanner(),
    processed: new FileProcessedStore(path.join(root, 'processed')),
    quarantine: quarantineMover({ s3: undefined, fileRoot: root }),
    status: new FileStatusStore(path.join(root, 'status')),
    publish: async () => {},
    log: pino({ level: 'silent' }),
  };
}

async function runJob(photo: string, deps: JobDeps): Promise<void> {
  const event = uploadCompleted({ source: 'tus', uploadId: randomBytes(16).toString('hex'), userId: 'bench', location: { kind: 'file', path: photo }, size: 1, declaredType: 'image/jpeg' });
  const status = await processUpload(event, deps);
  if (status.status !== 'ready') throw new Error(`bench job ended ${status.status}: ${status.detail}`);
}

/** The same variants as the processor's defaults, straight with sharp. */
async function bareSharp(photo: string, cfg: ReturnType<typeof loadConfig>['processor']['images']): Promise<void> {
  const { width = 0 } = await sharp(photo).metadata();
  const widths = cfg.widths.filter((w) => w < width);
  if (cfg.widths.some((w) => w >= width)) widths.push(width);
  const jobs = [...widths.map((w) => (s: sharp.Sharp) => s.resize({ width: w })), (s: sharp.Sharp) => s.resize(cfg.thumbnailSize, cfg.thumbnailSize, { fit: 'cover', position: 'attention' })];
  for (const resize of jobs) {
    await resize(sharp(photo).rotate()).webp({ quality: cfg.webpQuality }).toBuffer();
    await resize(sharp(photo).rotate()).avif({ quality: cfg.avifQuality, effort: cfg.avifEffort }).toBuffer();
  }
}

async function avifEffortCost(photo: string): Promise<{ effort4: number; effort2: number }> {
  const at = (effort: number) => timed(() => sharp(photo).resize({ width: 2560 }).avif({ effort }).toBuffer().then(() => undefined));
  return { effort4: await at(4), effort2: await at(2) };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}
