DROP INDEX "tenancy"."api_keys_token_hash_idx";--> statement-breakpoint
DROP INDEX "tenancy"."break_glass_grants_id_idx";