CREATE TYPE "documents"."signature_event_kind" AS ENUM('CREATED', 'SENT', 'DELIVERED', 'CONSENTED', 'VIEWED', 'FIELD_FILLED', 'SIGNED', 'DECLINED', 'COMPLETED', 'EXPIRED', 'VOIDED');--> statement-breakpoint
CREATE TYPE "documents"."signature_field_kind" AS ENUM('SIGNATURE', 'INITIALS', 'DATE_SIGNED', 'TEXT', 'CHECKBOX');--> statement-breakpoint
CREATE TYPE "documents"."signature_request_status" AS ENUM('DRAFT', 'SENT', 'COMPLETED', 'DECLINED', 'EXPIRED', 'VOIDED');--> statement-breakpoint
CREATE TYPE "documents"."signer_role" AS ENUM('SIGNER', 'APPROVER', 'CC');--> statement-breakpoint
CREATE TYPE "documents"."signer_status" AS ENUM('PENDING', 'VIEWED', 'SIGNED', 'DECLINED');--> statement-breakpoint
CREATE TYPE "documents"."signing_order" AS ENUM('PARALLEL', 'SEQUENTIAL');--> statement-breakpoint
CREATE TABLE "documents"."signature_events" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"kind" "documents"."signature_event_kind" NOT NULL,
	"signer_id" uuid,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"auth_method" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"document_sha256" text NOT NULL,
	"details" jsonb NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "signature_events_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "signature_events_seq_key" UNIQUE("firm_id","request_id","seq"),
	CONSTRAINT "signature_events_seq_positive" CHECK ("documents"."signature_events"."seq" >= 1)
);
--> statement-breakpoint
ALTER TABLE "documents"."signature_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents"."signature_fields" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"signer_index" integer NOT NULL,
	"page" integer NOT NULL,
	"x" double precision NOT NULL,
	"y" double precision NOT NULL,
	"width" double precision NOT NULL,
	"height" double precision NOT NULL,
	"kind" "documents"."signature_field_kind" NOT NULL,
	"required" boolean NOT NULL,
	"value" text,
	"filled_at" timestamp (3) with time zone,
	CONSTRAINT "signature_fields_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "signature_fields_box" CHECK ("documents"."signature_fields"."page" >= 1 and "documents"."signature_fields"."width" > 0 and "documents"."signature_fields"."height" > 0)
);
--> statement-breakpoint
ALTER TABLE "documents"."signature_fields" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents"."signature_requests" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"document_version_id" uuid NOT NULL,
	"original_sha256" text NOT NULL,
	"status" "documents"."signature_request_status" DEFAULT 'DRAFT' NOT NULL,
	"signing_order" "documents"."signing_order" NOT NULL,
	"message" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"subject_type" text,
	"subject_id" uuid,
	"created_by_kind" "documents"."creator_kind" NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"end_reason" text,
	"signed_version_id" uuid,
	"stamped_sha256" text,
	"signed_sha256" text,
	CONSTRAINT "signature_requests_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "signature_requests_sha256_hex" CHECK ("documents"."signature_requests"."original_sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "documents"."signature_requests" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents"."signature_signers" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"signer_index" integer NOT NULL,
	"order" integer NOT NULL,
	"role" "documents"."signer_role" NOT NULL,
	"contact_id" uuid,
	"user_id" uuid,
	"name" text NOT NULL,
	"email" text,
	"status" "documents"."signer_status" DEFAULT 'PENDING' NOT NULL,
	"consent_version" text,
	"consent_sha256" text,
	"consented_at" timestamp (3) with time zone,
	"viewed_at" timestamp (3) with time zone,
	"signed_at" timestamp (3) with time zone,
	"declined_at" timestamp (3) with time zone,
	"signature_kind" text,
	"signature_png" "bytea",
	CONSTRAINT "signature_signers_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "signature_signers_index_key" UNIQUE("firm_id","request_id","signer_index"),
	CONSTRAINT "signature_signers_one_identity" CHECK (("documents"."signature_signers"."contact_id" is null) <> ("documents"."signature_signers"."user_id" is null))
);
--> statement-breakpoint
ALTER TABLE "documents"."signature_signers" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."signature_events" ADD CONSTRAINT "signature_events_firm_id_request_id_signature_requests_firm_id_id_fk" FOREIGN KEY ("firm_id","request_id") REFERENCES "documents"."signature_requests"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents"."signature_fields" ADD CONSTRAINT "signature_fields_firm_id_request_id_signer_index_signature_signers_firm_id_request_id_signer_index_fk" FOREIGN KEY ("firm_id","request_id","signer_index") REFERENCES "documents"."signature_signers"("firm_id","request_id","signer_index") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents"."signature_requests" ADD CONSTRAINT "signature_requests_firm_id_document_id_documents_firm_id_id_fk" FOREIGN KEY ("firm_id","document_id") REFERENCES "documents"."documents"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents"."signature_requests" ADD CONSTRAINT "signature_requests_firm_id_document_version_id_document_versions_firm_id_id_fk" FOREIGN KEY ("firm_id","document_version_id") REFERENCES "documents"."document_versions"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents"."signature_requests" ADD CONSTRAINT "signature_requests_firm_id_signed_version_id_document_versions_firm_id_id_fk" FOREIGN KEY ("firm_id","signed_version_id") REFERENCES "documents"."document_versions"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents"."signature_signers" ADD CONSTRAINT "signature_signers_firm_id_request_id_signature_requests_firm_id_id_fk" FOREIGN KEY ("firm_id","request_id") REFERENCES "documents"."signature_requests"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "signature_requests_client_idx" ON "documents"."signature_requests" USING btree ("firm_id","client_id","created_at");--> statement-breakpoint
CREATE INDEX "signature_requests_signed_sha256_idx" ON "documents"."signature_requests" USING btree ("signed_sha256") WHERE "documents"."signature_requests"."status" = 'COMPLETED';--> statement-breakpoint
CREATE INDEX "signature_requests_open_expiry_idx" ON "documents"."signature_requests" USING btree ("expires_at") WHERE "documents"."signature_requests"."status" in ('DRAFT', 'SENT');--> statement-breakpoint
CREATE POLICY "signature_events_tenant_isolation" ON "documents"."signature_events" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "signature_fields_tenant_isolation" ON "documents"."signature_fields" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "signature_requests_tenant_isolation" ON "documents"."signature_requests" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "signature_signers_tenant_isolation" ON "documents"."signature_signers" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
-- The walls of this migration's tables (README "Architecture", "Database roles"): the tenant policy
-- is ENABLEd above and FORCEd here, so the owner, and each SECURITY DEFINER function below, sees the
-- transaction's firm (app.firm_id) only, except where a named policy below says otherwise.
ALTER TABLE "documents"."signature_requests" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."signature_signers" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."signature_fields" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."signature_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "documents"."signature_requests", "documents"."signature_signers",
  "documents"."signature_fields" TO firmgraph_documents;--> statement-breakpoint
-- Evidence is appended, never changed: the service may only read and insert it.
GRANT SELECT, INSERT ON "documents"."signature_events" TO firmgraph_documents;--> statement-breakpoint

-- Evidence events are append-only (issue 16, "Evidence"), and each links to the one before it: the
-- first of a request has seq 1 and the genesis prev_hash (64 zeros), every later one the next seq
-- and the previous event's hash as its prev_hash. The hash itself is the service's to compute
-- (sha256(prev ‖ canonical event)); verifySignatureRequest recomputes it from the stored rows.
CREATE FUNCTION "documents"."refuse_signature_event_change"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'signature evidence is append-only' USING ERRCODE = 'check_violation',
    CONSTRAINT = 'signature_events_append_only';
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "documents"."refuse_signature_event_change"() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER "signature_events_append_only" BEFORE UPDATE OR DELETE ON "documents"."signature_events"
  FOR EACH ROW EXECUTE FUNCTION "documents"."refuse_signature_event_change"();--> statement-breakpoint
CREATE TRIGGER "signature_events_no_truncate" BEFORE TRUNCATE ON "documents"."signature_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "documents"."refuse_signature_event_change"();--> statement-breakpoint
CREATE FUNCTION "documents"."check_signature_event_link"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  last_event record;
BEGIN
  SELECT e.seq, e.hash INTO last_event FROM documents.signature_events e
  WHERE e.firm_id = NEW.firm_id AND e.request_id = NEW.request_id
  ORDER BY e.seq DESC LIMIT 1;
  IF (last_event IS NULL AND (NEW.seq <> 1 OR NEW.prev_hash <> repeat('0', 64)))
     OR (last_event IS NOT NULL AND (NEW.seq <> last_event.seq + 1 OR NEW.prev_hash <> last_event.hash)) THEN
    RAISE EXCEPTION 'a signature event must link to the last event of its request' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'signature_events_chain';
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "documents"."check_signature_event_link"() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER "signature_events_chain" BEFORE INSERT ON "documents"."signature_events"
  FOR EACH ROW EXECUTE FUNCTION "documents"."check_signature_event_link"();--> statement-breakpoint

-- verifySignedDocument(sha256) is public: anyone holding a copy may ask whether FirmGraph produced
-- it. Rather than a role that bypasses RLS, one SECURITY DEFINER function runs as the owner, which
-- this policy lets read signature requests (and nothing else), and answers only the completion time
-- of a completed request whose signed PDF has that SHA-256: no firm, no request, no name.
CREATE POLICY "signature_requests_fingerprint" ON "documents"."signature_requests" AS PERMISSIVE FOR SELECT TO firmgraph_owner USING (true);--> statement-breakpoint
CREATE FUNCTION "documents"."signed_document_completion"(sha256 text)
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT min(r.ended_at) FROM documents.signature_requests r
  WHERE r.status = 'COMPLETED' AND r.signed_sha256 = signed_document_completion.sha256
$$;--> statement-breakpoint
COMMENT ON FUNCTION "documents"."signed_document_completion"(text) IS
  'When a completed signature request of any firm produced the signed PDF with this SHA-256, or null: the public verifySignedDocument, revealing nothing else.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "documents"."signed_document_completion"(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "documents"."signed_document_completion"(text) TO firmgraph_documents;--> statement-breakpoint

-- Signers are contacts of the request's client or staff of the firm: documents checks them and
-- snapshots their names for the certificate through these crossings, without reading crm's or
-- tenancy's tables. At most 100 ids each.
CREATE FUNCTION "crm"."client_contacts_for_signing"(client_id uuid, contact_ids uuid[])
RETURNS TABLE (contact_id uuid, name text, email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.id, c.name, c.email FROM crm.contacts c
  JOIN crm.client_contacts cc ON cc.firm_id = c.firm_id AND cc.contact_id = c.id
  WHERE c.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND cc.client_id = client_contacts_for_signing.client_id
    AND c.id = ANY (client_contacts_for_signing.contact_ids[1:100])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "crm"."client_contacts_for_signing"(uuid, uuid[]) IS
  'The given contacts of a client of the current firm (app.firm_id), with name and email: documents checks signature request signers and snapshots them.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."client_contacts_for_signing"(uuid, uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."client_contacts_for_signing"(uuid, uuid[]) TO firmgraph_documents;--> statement-breakpoint
CREATE FUNCTION "tenancy"."members_for_signing"(user_ids uuid[])
RETURNS TABLE (user_id uuid, name text, email text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.name, u.email::text FROM tenancy.memberships m
  JOIN tenancy.users u ON u.id = m.user_id AND u.disabled_at IS NULL
  WHERE m.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND m.user_id = ANY (members_for_signing.user_ids[1:100])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."members_for_signing"(uuid[]) IS
  'The current firm''s (app.firm_id) enabled staff among the given users, with name and email: documents checks staff signers and snapshots them.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."members_for_signing"(uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."members_for_signing"(uuid[]) TO firmgraph_documents;--> statement-breakpoint
-- A portal user signs for the contact it is: documents learns which, for the current firm only.
CREATE FUNCTION "tenancy"."portal_user_contact"(portal_user_id uuid)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT p.contact_id FROM tenancy.portal_users p
  WHERE p.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND p.id = portal_user_contact.portal_user_id
$$;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."portal_user_contact"(uuid) IS
  'The crm contact a portal user of the current firm (app.firm_id) is: documents lets it sign as that contact.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."portal_user_contact"(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."portal_user_contact"(uuid) TO firmgraph_documents;
