CREATE TYPE "documents"."creator_kind" AS ENUM('STAFF', 'API_KEY', 'PORTAL', 'OPERATOR');--> statement-breakpoint
CREATE TYPE "documents"."document_category" AS ENUM('TAX_RETURN', 'ENGAGEMENT_LETTER', 'SIGNED_AGREEMENT', 'STATEMENT', 'OTHER');--> statement-breakpoint
CREATE TYPE "documents"."folder_kind" AS ENUM('STANDARD', 'FROM_CLIENT');--> statement-breakpoint
CREATE TYPE "documents"."upload_status" AS ENUM('PENDING', 'COMPLETED', 'FAILED', 'EXPIRED');--> statement-breakpoint
CREATE TABLE "documents"."folders" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"kind" "documents"."folder_kind" DEFAULT 'STANDARD' NOT NULL,
	"shared_with_portal" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "folders_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "folders_sibling_name_key" UNIQUE NULLS NOT DISTINCT("firm_id","client_id","parent_id","name"),
	CONSTRAINT "folders_not_own_parent" CHECK ("documents"."folders"."parent_id" is distinct from "documents"."folders"."id")
);
--> statement-breakpoint
ALTER TABLE "documents"."folders" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents"."uploads" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"folder_id" uuid,
	"document_id" uuid,
	"blob_key" text NOT NULL,
	"filename" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"content_type" text NOT NULL,
	"sha256" text NOT NULL,
	"category" "documents"."document_category" DEFAULT 'OTHER' NOT NULL,
	"status" "documents"."upload_status" DEFAULT 'PENDING' NOT NULL,
	"requested_by_kind" "documents"."creator_kind" NOT NULL,
	"requested_by_id" uuid,
	"version_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "uploads_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "uploads_blob_key" UNIQUE("firm_id","blob_key"),
	CONSTRAINT "uploads_size_positive" CHECK ("documents"."uploads"."byte_size" > 0),
	CONSTRAINT "uploads_sha256_hex" CHECK ("documents"."uploads"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "documents"."uploads" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents"."document_versions" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"version_number" integer NOT NULL,
	"blob_key" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"signed" boolean DEFAULT false NOT NULL,
	"created_by_kind" "documents"."creator_kind" NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "document_versions_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "document_versions_number_key" UNIQUE("firm_id","document_id","version_number"),
	CONSTRAINT "document_versions_blob_key" UNIQUE("firm_id","blob_key"),
	CONSTRAINT "document_versions_number_positive" CHECK ("documents"."document_versions"."version_number" >= 1),
	CONSTRAINT "document_versions_size_positive" CHECK ("documents"."document_versions"."byte_size" > 0),
	CONSTRAINT "document_versions_sha256_hex" CHECK ("documents"."document_versions"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "documents"."document_versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "folder_id" uuid;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "category" "documents"."document_category" DEFAULT 'OTHER' NOT NULL;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "current_version_id" uuid;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "shared_with_portal" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "deleted_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "deleted_by_id" uuid;--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD COLUMN "delete_reason" text;--> statement-breakpoint
ALTER TABLE "documents"."folders" ADD CONSTRAINT "folders_firm_id_parent_id_folders_firm_id_id_fk" FOREIGN KEY ("firm_id","parent_id") REFERENCES "documents"."folders"("firm_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents"."document_versions" ADD CONSTRAINT "document_versions_firm_id_document_id_documents_firm_id_id_fk" FOREIGN KEY ("firm_id","document_id") REFERENCES "documents"."documents"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "folders_one_from_client_idx" ON "documents"."folders" USING btree ("firm_id","client_id") WHERE "documents"."folders"."kind" = 'FROM_CLIENT';--> statement-breakpoint
CREATE INDEX "uploads_pending_expiry_idx" ON "documents"."uploads" USING btree ("expires_at") WHERE "documents"."uploads"."status" = 'PENDING';--> statement-breakpoint
ALTER TABLE "documents"."documents" ADD CONSTRAINT "documents_firm_id_folder_id_folders_firm_id_id_fk" FOREIGN KEY ("firm_id","folder_id") REFERENCES "documents"."folders"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_firm_folder_idx" ON "documents"."documents" USING btree ("firm_id","folder_id");--> statement-breakpoint
CREATE POLICY "folders_tenant_isolation" ON "documents"."folders" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "uploads_tenant_isolation" ON "documents"."uploads" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "document_versions_tenant_isolation" ON "documents"."document_versions" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
-- The walls of this migration's tables (README "Architecture", "Database roles"): the tenant policy
-- is ENABLEd above and FORCEd here, so the owner, and each SECURITY DEFINER function below, sees the
-- transaction's firm (app.firm_id) only, except where a named policy below says otherwise.
ALTER TABLE "documents"."folders" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."document_versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."uploads" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "documents"."folders", "documents"."document_versions", "documents"."uploads"
  TO firmgraph_documents;--> statement-breakpoint

-- A version is immutable (issue 16, "Versions"): its blob, size, hash and type never change. Purge
-- deletes versions with their document; nothing updates one.
CREATE FUNCTION "documents"."refuse_version_update"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'document versions are immutable' USING ERRCODE = 'check_violation',
    CONSTRAINT = 'document_versions_immutable';
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "documents"."refuse_version_update"() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER "document_versions_immutable" BEFORE UPDATE ON "documents"."document_versions"
  FOR EACH ROW EXECUTE FUNCTION "documents"."refuse_version_update"();--> statement-breakpoint

-- The upload sweep runs for every firm. Rather than a role that bypasses RLS, one SECURITY DEFINER
-- function runs as the owner, which this policy lets read uploads (and nothing else), and hands out
-- only the firm and upload ids of pending uploads past their expiry; the sweep then works in each
-- firm's own transaction.
CREATE POLICY "uploads_sweeper" ON "documents"."uploads" AS PERMISSIVE FOR SELECT TO firmgraph_owner USING (true);--> statement-breakpoint
CREATE FUNCTION "documents"."expired_uploads"(cutoff timestamptz, max_uploads integer)
RETURNS TABLE (firm_id uuid, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.firm_id, u.id FROM documents.uploads u
  WHERE u.status = 'PENDING' AND u.expires_at < cutoff
  ORDER BY u.expires_at
  LIMIT least(greatest(max_uploads, 0), 1000)
$$;--> statement-breakpoint
COMMENT ON FUNCTION "documents"."expired_uploads"(timestamptz, integer) IS
  'Firm and upload ids (nothing else) of pending uploads of any firm that expired before cutoff: the upload sweep then deletes each in its firm''s own transaction.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "documents"."expired_uploads"(timestamptz, integer) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "documents"."expired_uploads"(timestamptz, integer) TO firmgraph_documents;--> statement-breakpoint

-- A document belongs to a client of the firm: documents checks the client it files under through
-- crm's crossing of migration 0012 (ids of the current firm's clients), without reading crm's tables.
GRANT USAGE ON SCHEMA "crm" TO firmgraph_documents;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."client_currencies"(uuid[]) TO firmgraph_documents;
--> statement-breakpoint

-- A deleted document (restorable for 30 days, then purged) can no longer be attached to a message.
-- CREATE OR REPLACE keeps the function's owner, SECURITY DEFINER (migration 0010) and grants.
CREATE OR REPLACE FUNCTION "documents"."attachable_document_ids"(client_id uuid, ids uuid[])
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT d.id FROM documents.documents d
  WHERE d.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND d.client_id = attachable_document_ids.client_id
    AND d.id = ANY (attachable_document_ids.ids)
    AND d.deleted_at IS NULL
$$;
