import type { BuildOptions } from 'esbuild';

/** See bundle-options.mjs. */
export function bundleOptions(entryPoints: Record<string, string>, outdir: string, over?: BuildOptions): BuildOptions;
