// Every benchmark file bench/<name>.bench.ts exports `run(): Promise<BenchRow[]>`.
export interface BenchRow {
  bench: string;
  metric: string;
  value: number | string;
  unit: string;
  note?: string;
}

export type BenchFn = (opts: { quick: boolean }) => Promise<BenchRow[]>;
