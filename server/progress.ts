import { SingleBar, Presets } from 'cli-progress';

/** A progress callback drawing one bar per stage on stderr (quiet when stderr is not a TTY). */
export function progressBars(): { update: (stage: string, done: number, total: number) => void; stop: () => void } {
  let bar: SingleBar | null = null;
  let current = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update(stage, done, total) {
      if (stage !== current) {
        stop();
        current = stage;
        bar = new SingleBar({ format: `${stage.padEnd(16)} {bar} {value}/{total} {eta_formatted}`, noTTYOutput: false, stream: process.stderr }, Presets.shades_classic);
        bar.start(total, done);
      }
      bar?.update(done);
    },
    stop,
  };
}
