import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 and size of files read one after the other, as one stream (a graph and its external data). */
export async function sha256Files(files: readonly string[]): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function fileSha256(file: string): Promise<string> {
  return (await sha256Files([file])).sha256;
}
