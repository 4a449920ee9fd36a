/** One line of a progress bar, redrawn in place on a terminal. */
export function renderProgressBar(p: { done: number; total: number; stage: string }, width = 30): string {
  const ratio = Math.min(1, p.done / p.total);
  const filled = Math.round(ratio * width);
  return `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${p.stage.padEnd(16)}`;
}
