CREATE TYPE "crm"."message_format" AS ENUM('PLAIN', 'MARKDOWN');--> statement-breakpoint
CREATE TYPE "crm"."participant_kind" AS ENUM('STAFF', 'PORTAL');--> statement-breakpoint
CREATE TABLE "crm"."client_team_members" (
	"firm_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_team_members_firm_id_client_id_user_id_pk" PRIMARY KEY("firm_id","client_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."client_team_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."message_read_states" (
	"firm_id" uuid NOT NULL,
	"thread_id" uuid NOT NULL,
	"participant_kind" "crm"."participant_kind" NOT NULL,
	"participant_id" uuid NOT NULL,
	"last_read_message_id" uuid NOT NULL,
	"last_read_sent_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_read_states_firm_id_thread_id_participant_kind_participant_id_pk" PRIMARY KEY("firm_id","thread_id","participant_kind","participant_id")
);
--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."message_threads" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"engagement_id" uuid,
	"subject" text NOT NULL,
	"created_by_kind" "crm"."participant_kind" NOT NULL,
	"created_by_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_message_at" timestamp (3) with time zone,
	CONSTRAINT "message_threads_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "message_threads_subject_length" CHECK (char_length("crm"."message_threads"."subject") between 1 and 200)
);
--> statement-breakpoint
ALTER TABLE "crm"."message_threads" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."messages" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"thread_id" uuid NOT NULL,
	"author_kind" "crm"."participant_kind" NOT NULL,
	"author_id" uuid NOT NULL,
	"body" text,
	"format" "crm"."message_format" NOT NULL,
	"attachment_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"sent_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"edited_at" timestamp (3) with time zone,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "messages_firm_id_id_pk" PRIMARY KEY("firm_id","id"),
	CONSTRAINT "messages_body_length" CHECK (char_length("crm"."messages"."body") between 1 and 10000),
	CONSTRAINT "messages_tombstone" CHECK (("crm"."messages"."deleted_at" is null) = ("crm"."messages"."body" is not null)),
	CONSTRAINT "messages_attachment_count" CHECK (cardinality("crm"."messages"."attachment_ids") <= 10)
);
--> statement-breakpoint
ALTER TABLE "crm"."messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "crm"."outbox_events" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	CONSTRAINT "outbox_events_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "crm"."outbox_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_team_members" ADD CONSTRAINT "client_team_members_firm_id_client_id_clients_firm_id_id_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" ADD CONSTRAINT "message_read_states_firm_id_thread_id_message_threads_firm_id_id_fk" FOREIGN KEY ("firm_id","thread_id") REFERENCES "crm"."message_threads"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" ADD CONSTRAINT "message_read_states_firm_id_last_read_message_id_messages_firm_id_id_fk" FOREIGN KEY ("firm_id","last_read_message_id") REFERENCES "crm"."messages"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."message_threads" ADD CONSTRAINT "message_threads_firm_id_client_id_clients_firm_id_id_fk" FOREIGN KEY ("firm_id","client_id") REFERENCES "crm"."clients"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm"."messages" ADD CONSTRAINT "messages_firm_id_thread_id_message_threads_firm_id_id_fk" FOREIGN KEY ("firm_id","thread_id") REFERENCES "crm"."message_threads"("firm_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "client_team_members_user_idx" ON "crm"."client_team_members" USING btree ("firm_id","user_id");--> statement-breakpoint
CREATE INDEX "message_threads_client_activity_idx" ON "crm"."message_threads" USING btree ("firm_id","client_id",coalesce("last_message_at", "created_at") desc,"id");--> statement-breakpoint
CREATE INDEX "messages_thread_sent_idx" ON "crm"."messages" USING btree ("firm_id","thread_id","sent_at","id");--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "crm"."outbox_events" USING btree ("created_at","id") WHERE "crm"."outbox_events"."published_at" is null;--> statement-breakpoint
CREATE POLICY "client_team_members_tenant_isolation" ON "crm"."client_team_members" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "message_read_states_tenant_isolation" ON "crm"."message_read_states" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "message_threads_tenant_isolation" ON "crm"."message_threads" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "messages_tenant_isolation" ON "crm"."messages" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "outbox_events_tenant_isolation" ON "crm"."outbox_events" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);