/**
 * Versioned schema, the same tables as @mlops/metadata-sqlite's migrations (version numbers match).
 * Append only: a released migration is never edited, a change is a new entry. All of them run in the
 * opening transaction, under an advisory lock, together with their `schema_version` rows.
 *
 * Text columns use the "C" collation: ids, keys and ISO timestamps then compare and sort by bytes
 * (as in SQLite), not by the database's locale. JSON columns are `json`, not `jsonb`: `json` keeps the
 * text as written, so a record reads back exactly as it was stored (jsonb would turn -0 into 0 and
 * rejects "\u0000").
 */
export interface Migration {
  version: number
  description: string
  /** Statements, with `{schema}` standing for the quoted schema name. */
  sql: string
}

const STEP_STATUSES = `'pending', 'running', 'succeeded', 'cached', 'failed', 'cancelled', 'skipped'`

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, steps, artifacts, step_io, metrics, events',
    sql: `
      CREATE TABLE {schema}.runs (
        id text COLLATE "C" PRIMARY KEY,
        pipeline text COLLATE "C" NOT NULL,
        status text COLLATE "C" NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        params json NOT NULL,
        code_version text COLLATE "C" NOT NULL,
        environment json NOT NULL,
        pid bigint,
        hostname text COLLATE "C",
        started_at text COLLATE "C" NOT NULL,
        finished_at text COLLATE "C",
        error json,
        resume_count bigint NOT NULL DEFAULT 0 CHECK (resume_count >= 0)
      );
      CREATE INDEX runs_by_started ON {schema}.runs (started_at DESC, id DESC);
      CREATE INDEX runs_by_pipeline ON {schema}.runs (pipeline, started_at DESC, id DESC);

      -- ord keeps the order in which steps were first recorded (the plan order): an upsert keeps it.
      CREATE TABLE {schema}.steps (
        ord bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL CONSTRAINT steps_run_fk REFERENCES {schema}.runs (id),
        step_id text COLLATE "C" NOT NULL,
        step_name text COLLATE "C" NOT NULL,
        status text COLLATE "C" NOT NULL CHECK (status IN (${STEP_STATUSES})),
        cache_key text COLLATE "C" NOT NULL,
        code_version text COLLATE "C" NOT NULL,
        params json NOT NULL,
        attempts bigint NOT NULL CHECK (attempts >= 0),
        started_at text COLLATE "C",
        finished_at text COLLATE "C",
        duration_ms double precision,
        cached_from_run_id text COLLATE "C",
        error json,
        CONSTRAINT steps_run_step_key UNIQUE (run_id, step_id)
      );
      -- Cache lookups only ever want succeeded steps: a partial index keeps it small.
      CREATE INDEX steps_by_cache_key ON {schema}.steps (cache_key, finished_at DESC NULLS LAST) WHERE status = 'succeeded';

      CREATE TABLE {schema}.artifacts (
        hash text COLLATE "C" PRIMARY KEY CHECK (length(hash) = 64),
        kind text COLLATE "C" NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        media_type text COLLATE "C" NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        meta json NOT NULL
      );

      CREATE TABLE {schema}.step_io (
        ord bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        step_id text COLLATE "C" NOT NULL,
        direction text COLLATE "C" NOT NULL CHECK (direction IN ('input', 'output')),
        name text COLLATE "C" NOT NULL,
        hash text COLLATE "C" NOT NULL REFERENCES {schema}.artifacts (hash),
        UNIQUE (run_id, step_id, direction, name),
        FOREIGN KEY (run_id, step_id) REFERENCES {schema}.steps (run_id, step_id)
      );
      CREATE INDEX step_io_by_hash ON {schema}.step_io (hash, direction);

      CREATE TABLE {schema}.metrics (
        ord bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        step_id text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value double precision NOT NULL,
        recorded_at text COLLATE "C" NOT NULL,
        FOREIGN KEY (run_id, step_id) REFERENCES {schema}.steps (run_id, step_id)
      );
      CREATE INDEX metrics_by_step ON {schema}.metrics (run_id, step_id);

      -- An identity is never reused. Writers append under an advisory lock held to commit, so seqs
      -- become visible in increasing order and an "afterSeq" cursor never skips a late commit.
      CREATE TABLE {schema}.events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        type text COLLATE "C" NOT NULL,
        payload json NOT NULL,
        created_at text COLLATE "C" NOT NULL
      );
      CREATE INDEX events_by_type ON {schema}.events (type, seq);
    `,
  },
  {
    version: 2,
    description: 'documents (registry, deployments, trigger state) and the notification outbox',
    sql: `
      CREATE TABLE {schema}.documents (
        collection text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value json NOT NULL,
        revision bigint NOT NULL CHECK (revision >= 1),
        updated_at text COLLATE "C" NOT NULL,
        PRIMARY KEY (collection, key)
      );

      CREATE TABLE {schema}.outbox (
        ord bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        channel text COLLATE "C" NOT NULL,
        event_id text COLLATE "C" NOT NULL,
        payload json NOT NULL,
        status text COLLATE "C" NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts bigint NOT NULL CHECK (attempts >= 0),
        available_at text COLLATE "C" NOT NULL,
        last_error text COLLATE "C",
        created_at text COLLATE "C" NOT NULL,
        delivered_at text COLLATE "C"
      );
      CREATE INDEX outbox_pending ON {schema}.outbox (available_at, ord) WHERE status = 'pending';
    `,
  },
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

/** Every table the migrations create, for the integrity check. */
export const TABLES = ['schema_version', 'runs', 'steps', 'artifacts', 'step_io', 'metrics', 'events', 'documents', 'outbox'] as const
