ALTER TABLE "broadcasts" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD COLUMN "request_hash" text;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD COLUMN "announce_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD COLUMN "announced_through" text;--> statement-breakpoint
CREATE UNIQUE INDEX "broadcasts_user_idempotency_uq" ON "broadcasts" USING btree ("user_id","idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "broadcasts_announce_idx" ON "broadcasts" USING btree ("session_id") WHERE announce_pending;