-- The embedded store's tables; created on first open (CREATE ... IF NOT EXISTS).
-- ``version`` grows with every change, so a process can tell its parsed copy is stale by reading one integer.
CREATE TABLE IF NOT EXISTS clinics (
    clinic_id TEXT PRIMARY KEY, config TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
-- Who runs the self-hosted schedules: one holder at a time, until its lease runs out.
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS visits (
    clinic_id TEXT NOT NULL, visit_id TEXT NOT NULL, patient_name TEXT NOT NULL,
    phone TEXT NOT NULL, visit_at TEXT NOT NULL, local_date TEXT NOT NULL, expires_at TEXT NOT NULL,
    doctor TEXT NOT NULL, branch TEXT NOT NULL, service TEXT NOT NULL,
    consent INTEGER NOT NULL, invitable INTEGER NOT NULL,
    ad_consent INTEGER, email TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', referral TEXT NOT NULL DEFAULT '',
    invite_state TEXT NOT NULL DEFAULT '', invite_token TEXT NOT NULL DEFAULT '',
    claim_until TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '', sent_at TEXT,
    delivery TEXT NOT NULL DEFAULT '', delivery_at TEXT, reminders_sent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (clinic_id, visit_id));
CREATE INDEX IF NOT EXISTS visits_by_day ON visits (clinic_id, local_date);
CREATE INDEX IF NOT EXISTS visits_by_expiry ON visits (expires_at);
-- An erase finds a patient's visits by phone, even those imported before the register kept their ids.
CREATE INDEX IF NOT EXISTS visits_by_phone ON visits (clinic_id, phone);
CREATE TABLE IF NOT EXISTS contacts (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, updated_at TEXT NOT NULL, expires_at TEXT NOT NULL,
    channel TEXT NOT NULL, hours_from INTEGER, hours_to INTEGER, days TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS invites (
    token TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, visit_id TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, opened_at TEXT, score INTEGER,
    rated_at TEXT, feedback TEXT, feedback_at TEXT, opted_out_at TEXT, clicks TEXT NOT NULL DEFAULT '{}',
    purpose TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS invites_by_expiry ON invites (expires_at);
CREATE TABLE IF NOT EXISTS optouts (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS cases (
    clinic_id TEXT NOT NULL, case_id TEXT NOT NULL, visit_id TEXT NOT NULL, score INTEGER NOT NULL,
    text TEXT NOT NULL, created_at TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, email_state TEXT NOT NULL,
    claim_until TEXT, attempts INTEGER NOT NULL, last_error TEXT NOT NULL, emailed_at TEXT,
    contacted_at TEXT, contacted_by TEXT NOT NULL DEFAULT '', resolved_at TEXT, resolved_by TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '', reminded_at TEXT,
    reply_state TEXT NOT NULL DEFAULT '', reply_text TEXT NOT NULL DEFAULT '', reply_at TEXT,
    alert_at TEXT, due_at TEXT, words_at TEXT,
    followups_wanted INTEGER NOT NULL DEFAULT 0, followups_sent INTEGER NOT NULL DEFAULT 0, followup_until TEXT,
    followup_error TEXT NOT NULL DEFAULT '', told_score INTEGER NOT NULL DEFAULT 0, told_words INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '', urgent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (clinic_id, case_id));
-- A case's timeline: what happened to it, in order (created, emails, words, replies, moves).
CREATE TABLE IF NOT EXISTS case_events (
    clinic_id TEXT NOT NULL, case_id TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL,
    who TEXT NOT NULL, text TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (clinic_id, case_id, event_id));
CREATE TABLE IF NOT EXISTS rewards (
    clinic_id TEXT NOT NULL, reward_id TEXT NOT NULL, visit_id TEXT NOT NULL, phone TEXT NOT NULL,
    amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, created_at TEXT NOT NULL,
    status TEXT NOT NULL, provider TEXT NOT NULL, reference TEXT NOT NULL, updated_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, claim_until TEXT, last_error TEXT NOT NULL DEFAULT '', paid_at TEXT,
    settled_by TEXT NOT NULL DEFAULT '', batch TEXT NOT NULL DEFAULT '', promised_until TEXT,
    PRIMARY KEY (clinic_id, reward_id));
CREATE INDEX IF NOT EXISTS rewards_by_status ON rewards (status, clinic_id);
-- What a month's rewards have committed of the clinic's budget (paid, or on the way).
CREATE TABLE IF NOT EXISTS reward_budgets (
    clinic_id TEXT NOT NULL, month TEXT NOT NULL, committed_minor INTEGER NOT NULL, PRIMARY KEY (clinic_id, month));
-- The last reward per phone per clinic: the per-phone limit.
CREATE TABLE IF NOT EXISTS reward_phones (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, reward_id TEXT NOT NULL, rewarded_at TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS recent_invites (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, visit_id TEXT NOT NULL, invited_at TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS daily_sends (
    clinic_id TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (clinic_id, day));
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, visit_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS platform_clicks (
    clinic_id TEXT NOT NULL, platform TEXT NOT NULL, clicks INTEGER NOT NULL, PRIMARY KEY (clinic_id, platform));
-- The dashboard: who may sign in to which clinic, one-time marks (sign-in links, digests), rate limits,
-- the settings audit and the funnel's counters (per clinic, visit day and dimension: all, doctor:…, branch:…).
CREATE TABLE IF NOT EXISTS members (
    email TEXT NOT NULL, clinic_id TEXT NOT NULL, role TEXT NOT NULL, added_at TEXT NOT NULL,
    PRIMARY KEY (email, clinic_id));
CREATE INDEX IF NOT EXISTS members_by_clinic ON members (clinic_id);
CREATE TABLE IF NOT EXISTS session_versions (email TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sign_ins (email TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS once_marks (
    scope TEXT NOT NULL, key TEXT NOT NULL, until TEXT NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS hits (
    key TEXT NOT NULL, period TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, period));
CREATE TABLE IF NOT EXISTS audit (
    clinic_id TEXT NOT NULL, entry_id TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL,
    before TEXT NOT NULL, after TEXT NOT NULL, PRIMARY KEY (clinic_id, entry_id));
CREATE TABLE IF NOT EXISTS stats (
    clinic_id TEXT NOT NULL, day TEXT NOT NULL, dim TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, day, dim, name));
-- The channels: the patient's phone -> their latest case (their WhatsApp words join it), the patient's last
-- message per channel (WhatsApp's 24-hour window), members' Telegram chats, one-time link codes (hashed), and
-- the short case references the bot's buttons carry.
CREATE TABLE IF NOT EXISTS case_phones (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, case_id TEXT NOT NULL, until TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS patient_messages (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, channel TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone, channel));
CREATE TABLE IF NOT EXISTS telegram_links (
    clinic_id TEXT NOT NULL, email TEXT NOT NULL, chat_id TEXT NOT NULL, username TEXT NOT NULL,
    linked_at TEXT NOT NULL, PRIMARY KEY (clinic_id, email));
CREATE INDEX IF NOT EXISTS telegram_links_by_chat ON telegram_links (chat_id);
CREATE TABLE IF NOT EXISTS telegram_codes (
    code_hash TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, email TEXT NOT NULL, until TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_refs (
    ref TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, case_id TEXT NOT NULL);
-- Beyond the visit: the patient register (one row per clinic and phone, kept for the clinic's retention) and every
-- visit id of the phone (what an erase must find), doctors' recommendations, call outcomes, the care message's
-- claims, campaigns and their letters, and the unsubscribe links' keys.
CREATE TABLE IF NOT EXISTS patients (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, name TEXT NOT NULL, last_visit_at TEXT NOT NULL,
    last_visit_id TEXT NOT NULL, first_visit_at TEXT NOT NULL, updated_at TEXT NOT NULL, expires_at TEXT NOT NULL,
    doctor TEXT NOT NULL, service TEXT NOT NULL, branch TEXT NOT NULL, note TEXT NOT NULL, email TEXT NOT NULL,
    sms_consent INTEGER NOT NULL, ad_consent INTEGER, mobile INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (clinic_id, phone));
CREATE INDEX IF NOT EXISTS patients_by_last_visit ON patients (clinic_id, last_visit_at);
CREATE INDEX IF NOT EXISTS patients_by_expiry ON patients (expires_at);
CREATE TABLE IF NOT EXISTS patient_visits (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, visit_id TEXT NOT NULL, local_date TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone, visit_id));
CREATE TABLE IF NOT EXISTS handoffs (
    clinic_id TEXT NOT NULL, handoff_id TEXT NOT NULL, phone TEXT NOT NULL, name TEXT NOT NULL, wanted TEXT NOT NULL,
    doctor TEXT NOT NULL, branch TEXT NOT NULL, local_date TEXT NOT NULL, visit_at TEXT NOT NULL, due_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, state TEXT NOT NULL, booked_at TEXT, booked_visit_id TEXT NOT NULL, outcome TEXT NOT NULL,
    outcome_at TEXT, outcome_by TEXT NOT NULL, PRIMARY KEY (clinic_id, handoff_id));
CREATE INDEX IF NOT EXISTS handoffs_open ON handoffs (clinic_id, due_at) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS handoffs_by_phone ON handoffs (clinic_id, phone);
CREATE TABLE IF NOT EXISTS calls (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
    expires_at TEXT NOT NULL, PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS care_messages (
    clinic_id TEXT NOT NULL, visit_id TEXT NOT NULL, expires_at TEXT NOT NULL, state TEXT NOT NULL, token TEXT NOT NULL,
    claim_until TEXT, attempts INTEGER NOT NULL, last_error TEXT NOT NULL, message_id TEXT NOT NULL, sent_at TEXT,
    PRIMARY KEY (clinic_id, visit_id));
CREATE TABLE IF NOT EXISTS care_phones (
    clinic_id TEXT NOT NULL, phone TEXT NOT NULL, visit_id TEXT NOT NULL, sent_at TEXT NOT NULL,
    PRIMARY KEY (clinic_id, phone));
CREATE TABLE IF NOT EXISTS campaigns (
    clinic_id TEXT NOT NULL, campaign_id TEXT NOT NULL, name TEXT NOT NULL, channel TEXT NOT NULL,
    months INTEGER NOT NULL, cutoff TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
    letter TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (clinic_id, campaign_id));
CREATE TABLE IF NOT EXISTS campaign_sends (
    clinic_id TEXT NOT NULL, campaign_id TEXT NOT NULL, phone TEXT NOT NULL, expires_at TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL, claim_until TEXT, last_error TEXT NOT NULL,
    message_id TEXT NOT NULL, sent_at TEXT, unsub_id TEXT NOT NULL, PRIMARY KEY (clinic_id, campaign_id, phone));
CREATE INDEX IF NOT EXISTS campaign_sends_by_phone ON campaign_sends (clinic_id, phone);
CREATE TABLE IF NOT EXISTS unsubscribes (
    unsub_id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, phone TEXT NOT NULL, campaign_id TEXT NOT NULL,
    expires_at TEXT NOT NULL);
