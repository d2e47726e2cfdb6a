DROP INDEX "crm"."clients_firm_status_name_idx";--> statement-breakpoint
DROP INDEX "crm"."contacts_firm_name_idx";--> statement-breakpoint
ALTER TABLE "crm"."clients" ADD COLUMN "name_key" text GENERATED ALWAYS AS (lower(name)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "crm"."contacts" ADD COLUMN "name_key" text GENERATED ALWAYS AS (lower(name)) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "clients_firm_name_key_idx" ON "crm"."clients" USING btree ("firm_id","name_key","id");--> statement-breakpoint
CREATE INDEX "contacts_firm_name_key_idx" ON "crm"."contacts" USING btree ("firm_id","name_key","id");