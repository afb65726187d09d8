/** The links both servers serve: b1..bN -> https://example.com/page/i. */
export interface BenchLink {
  slug: string;
  url: string;
}

export function linkSet(count: number): BenchLink[] {
  return Array.from({ length: count }, (_, i) => ({ slug: `b${i + 1}`, url: `https://example.com/page/${i + 1}` }));
}
