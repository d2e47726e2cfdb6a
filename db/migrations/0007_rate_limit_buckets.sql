CREATE TABLE "tenancy"."rate_limit_buckets" (
	"bucket_key" text PRIMARY KEY NOT NULL,
	"level" double precision NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "rate_limit_buckets_level_check" CHECK ("tenancy"."rate_limit_buckets"."level" >= 0)
);
