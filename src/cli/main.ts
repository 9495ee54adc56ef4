// Placeholder entry so the bin works while the CLI is written.
export async function main(_argv: string[]): Promise<number> {
  console.log('isthmus 0.1.0');
  return 0;
}
