/**
 * Versioned schema. Append only: a released migration is never edited, a change is a new entry. Each
 * runs in the opening transaction together with its `schema_version` row, so a crash mid-migration
 * leaves the previous version intact.
 */
export interface Migration {
  version: number
  description: string
  sql: string
}

const STEP_STATUSES = `'pending', 'running', 'succeeded', 'cached', 'failed', 'cancelled', 'skipped'`

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, steps, artifacts, step_io, metrics, events',
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY NOT NULL,
        pipeline TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        params TEXT NOT NULL CHECK (json_valid(params)),
        code_version TEXT NOT NULL,
        environment TEXT NOT NULL CHECK (json_valid(environment)),
        pid INTEGER,
        hostname TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        error TEXT CHECK (error IS NULL OR json_valid(error)),
        resume_count INTEGER NOT NULL DEFAULT 0 CHECK (resume_count >= 0)
      ) STRICT;
      CREATE INDEX runs_by_started ON runs (started_at DESC, id DESC);
      CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at DESC, id DESC);

      -- ord keeps the order in which steps were first recorded (the plan order): an upsert keeps it.
      CREATE TABLE steps (
        ord INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id),
        step_id TEXT NOT NULL,
        step_name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN (${STEP_STATUSES})),
        cache_key TEXT NOT NULL,
        code_version TEXT NOT NULL,
        params TEXT NOT NULL CHECK (json_valid(params)),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        started_at TEXT,
        finished_at TEXT,
        duration_ms REAL,
        cached_from_run_id TEXT,
        error TEXT CHECK (error IS NULL OR json_valid(error)),
        UNIQUE (run_id, step_id)
      ) STRICT;
      -- Cache lookups only ever want succeeded steps: a partial index keeps it small.
      CREATE INDEX steps_by_cache_key ON steps (cache_key, finished_at DESC) WHERE status = 'succeeded';

      CREATE TABLE artifacts (
        hash TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
        kind TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        media_type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        meta TEXT NOT NULL CHECK (json_valid(meta))
      ) STRICT;

      CREATE TABLE step_io (
        ord INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('input', 'output')),
        name TEXT NOT NULL,
        hash TEXT NOT NULL REFERENCES artifacts (hash),
        UNIQUE (run_id, step_id, direction, name),
        FOREIGN KEY (run_id, step_id) REFERENCES steps (run_id, step_id)
      ) STRICT;
      CREATE INDEX step_io_by_hash ON step_io (hash, direction);

      CREATE TABLE metrics (
        ord INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value REAL NOT NULL,
        recorded_at TEXT NOT NULL,
        FOREIGN KEY (run_id, step_id) REFERENCES steps (run_id, step_id)
      ) STRICT;
      CREATE INDEX metrics_by_step ON metrics (run_id, step_id);

      -- AUTOINCREMENT: a seq is never reused, even after the newest events are deleted, so an
      -- outbox reader's "afterSeq" cursor can never skip a new event.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        payload TEXT NOT NULL CHECK (json_valid(payload)),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_by_type ON events (type, seq);
    `,
  },
  {
    version: 2,
    description: 'documents (registry, deployments, trigger state) and the notification outbox',
    sql: `
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL CHECK (json_valid(value)),
        revision INTEGER NOT NULL CHECK (revision >= 1),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (collection, key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE outbox (
        ord INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        event_id TEXT NOT NULL,
        payload TEXT NOT NULL CHECK (json_valid(payload)),
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        available_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (available_at, ord) WHERE status = 'pending';
    `,
  },
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0
