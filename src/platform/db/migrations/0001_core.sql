-- Agora's data spine: workspaces and their keys, customers and identities, B2B accounts,
-- products, content, orders and the event stream, plus the editable event taxonomy.
-- Runs unchanged on DuckDB and PostgreSQL. All timestamps are UTC in TIMESTAMP columns.
-- Tables that grow with customers or events carry workspace_id and customer_id in their keys,
-- the columns a Citus cluster would distribute them by (docs/scaling.md).

CREATE SEQUENCE workspace_id_seq START 1;
CREATE TABLE workspaces (
  workspace_id BIGINT PRIMARY KEY DEFAULT nextval('workspace_id_seq'),
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL
);

-- Keys are stored as a SHA-256 hash; key_hint keeps the first characters so a person can recognise one.
CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  workspace_id BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('write', 'admin')),
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_hint TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP
);

CREATE SEQUENCE customer_id_seq START 1;
CREATE TABLE customers (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL DEFAULT nextval('customer_id_seq'),
  traits JSON NOT NULL DEFAULT '{}',
  -- Set when this customer turned out to be another one; the other keeps every identity and event.
  merged_into BIGINT,
  first_seen_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, customer_id)
);

-- kind: user, anonymous, email, phone, handle (e.g. twitter:@name), loyalty, external (CRM ids).
CREATE TABLE identities (
  workspace_id BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'anonymous', 'email', 'phone', 'handle', 'loyalty', 'external')),
  value TEXT NOT NULL,
  customer_id BIGINT NOT NULL,
  source TEXT NOT NULL,
  first_seen_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, kind, value)
);

-- Why two customers are one: the identity that joined them and the message that showed it.
CREATE TABLE customer_merges (
  workspace_id BIGINT NOT NULL,
  merged_customer_id BIGINT NOT NULL,
  into_customer_id BIGINT NOT NULL,
  reason TEXT NOT NULL,
  identity_kind TEXT,
  identity_value TEXT,
  message_id TEXT,
  merged_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, merged_customer_id)
);

CREATE SEQUENCE account_id_seq START 1;
CREATE TABLE accounts (
  workspace_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL DEFAULT nextval('account_id_seq'),
  external_id TEXT,
  name TEXT,
  traits JSON NOT NULL DEFAULT '{}',
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, account_id),
  UNIQUE (workspace_id, external_id)
);

CREATE TABLE account_memberships (
  workspace_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  buying_role TEXT CHECK (buying_role IN
    ('decision_maker', 'economic_buyer', 'champion', 'influencer', 'user', 'gatekeeper')),
  title TEXT,
  joined_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, account_id, customer_id)
);

CREATE TABLE products (
  workspace_id BIGINT NOT NULL,
  product_id TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT,
  price NUMERIC(14, 2),
  currency TEXT NOT NULL DEFAULT 'USD',
  attributes JSON NOT NULL DEFAULT '{}',
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, product_id)
);

-- persona_tags name personas; stage_tags name lifecycle stages (awareness … advocacy) the item serves.
CREATE TABLE content_items (
  workspace_id BIGINT NOT NULL,
  content_id TEXT NOT NULL,
  title TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('article', 'video', 'webinar', 'podcast', 'whitepaper', 'ebook',
    'infographic', 'case_study', 'how_to')),
  url TEXT,
  persona_tags TEXT[] NOT NULL DEFAULT CAST(ARRAY[] AS TEXT[]),
  stage_tags TEXT[] NOT NULL DEFAULT CAST(ARRAY[] AS TEXT[]),
  attributes JSON NOT NULL DEFAULT '{}',
  published_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, content_id)
);

CREATE TABLE orders (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  order_id TEXT NOT NULL,
  account_id BIGINT,
  ordered_at TIMESTAMP NOT NULL,
  status TEXT NOT NULL DEFAULT 'completed' CHECK (status IN ('pending', 'completed', 'cancelled', 'refunded')),
  currency TEXT NOT NULL DEFAULT 'USD',
  total NUMERIC(14, 2) NOT NULL,
  discount NUMERIC(14, 2) NOT NULL DEFAULT 0,
  channel TEXT,
  properties JSON NOT NULL DEFAULT '{}',
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, customer_id, order_id)
);

CREATE TABLE order_lines (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  order_id TEXT NOT NULL,
  line_number INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price NUMERIC(14, 2) NOT NULL,
  discount NUMERIC(14, 2) NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, customer_id, order_id, line_number)
);

-- Touchpoints. No primary key: the stream is append-only and de-duplicated on message_id at ingestion,
-- and DuckDB appends fastest into a table without indexes.
CREATE TABLE events (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  message_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('track', 'page', 'screen', 'identify', 'group', 'alias')),
  name TEXT NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  received_at TIMESTAMP NOT NULL,
  anonymous_id TEXT,
  user_id TEXT,
  account_id BIGINT,
  channel TEXT,
  source TEXT,
  medium TEXT,
  campaign TEXT,
  device TEXT,
  properties JSON,
  context JSON
);

-- What each event name means (docs/taxonomy.md). occurrence 'first' / 'repeat' lets the same name mean
-- different things on a customer's first and later occurrences (a second order signals loyalty).
CREATE TABLE event_taxonomy (
  workspace_id BIGINT NOT NULL,
  event_name TEXT NOT NULL,
  occurrence TEXT NOT NULL DEFAULT 'any' CHECK (occurrence IN ('any', 'first', 'repeat')),
  behavior TEXT CHECK (behavior IN ('access', 'engage', 'customize', 'connect', 'collaborate')),
  funnel_signal TEXT CHECK (funnel_signal IN
    ('awareness', 'consideration', 'preference', 'action', 'loyalty', 'advocacy')),
  micro_moment TEXT CHECK (micro_moment IN ('know', 'go', 'do', 'buy')),
  is_default BOOLEAN NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, event_name, occurrence)
);
