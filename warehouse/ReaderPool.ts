import {
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * One connection and its prepared statements. Reusing a statement skips DuckDB's parse, bind
 * and plan (about half the cost of a small read here), and running it prepared costs one
 * round trip off the event loop, where `runAndReadAll` takes four (extract, prepare, execute,
 * fetch). Statements are kept per SQL text, least recently used first out.
 *
 * A plan is only valid for the data it was planned on: DuckDB 1.5 bakes table statistics into
 * it (a join on cell_id pushes the cell_id range it saw into the scan), and a statement reused
 * after a write can miss rows written since. So statements last one write version: any commit
 * (`version` changes) drops them all.
 */
export class Reader {
  private readonly statements = new Map<string, DuckDBPreparedStatement>();
  private version = -1;

  constructor(readonly connection: DuckDBConnection, private readonly capacity = 128) {}

  /** Runs `sql` with `params` as of write `version`; the whole result is materialised off the event loop. */
  async run(sql: string, params: readonly DuckDBValue[], types: DuckDBType[] | undefined, version: number): Promise<DuckDBMaterializedResult> {
    if (version !== this.version) {
      this.dropStatements();
      this.version = version;
    }
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = await this.connection.prepare(sql);
      if (this.statements.size >= this.capacity) {
        const [oldest, evicted] = this.statements.entries().next().value!;
        this.statements.delete(oldest);
        evicted.destroySync();
      }
    }
    this.statements.set(sql, statement);
    statement.bind(params as DuckDBValue[], types);
    return statement.run();
  }

  private dropStatements(): void {
    for (const s of this.statements.values()) s.destroySync();
    this.statements.clear();
  }

  close(): void {
    this.dropStatements();
    this.connection.closeSync();
  }
}

/** Plain row objects (BIGINT as number: every count and token number here fits a double). */
export function rowObjects<T>(result: DuckDBMaterializedResult): T[] {
  const names = result.deduplicatedColumnNames();
  const rows: Record<string, unknown>[] = [];
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const columns = chunk.convertColumns(JSDuckDBValueConverter);
    for (let r = 0; r < chunk.rowCount; r++) {
      const row: Record<string, unknown> = {};
      for (let k = 0; k < names.length; k++) {
        const v = columns[k][r];
        row[names[k]] = typeof v === 'bigint' ? Number(v) : v;
      }
      rows.push(row);
    }
  }
  return rows as T[];
}

/**
 * Reader connections handed out one query at a time (a DuckDB connection runs one statement
 * at a time; two requests on one connection would queue inside DuckDB, holding a thread of
 * Node's pool). Requests beyond the pool wait in order.
 */
export class ReaderPool {
  private readonly idle: Reader[];
  private readonly waiting: ((reader: Reader) => void)[] = [];

  constructor(private readonly readers: readonly Reader[]) {
    this.idle = [...readers];
  }

  get size(): number {
    return this.readers.length;
  }

  async use<T>(work: (reader: Reader) => Promise<T>): Promise<T> {
    const reader = this.idle.pop() ?? (await new Promise<Reader>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(reader);
    } finally {
      const next = this.waiting.shift();
      if (next) next(reader);
      else this.idle.push(reader);
      if (this.idle.length === this.readers.length) for (const resolve of this.onDrained.splice(0)) resolve();
    }
  }

  private readonly onDrained: (() => void)[] = [];

  /** Resolves once no reader is in use (at once if none is). */
  drained(): Promise<void> {
    if (this.idle.length === this.readers.length) return Promise.resolve();
    return new Promise((resolve) => this.onDrained.push(resolve));
  }

  close(): void {
    for (const r of this.readers) r.close();
  }
}
