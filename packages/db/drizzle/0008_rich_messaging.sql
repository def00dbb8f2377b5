CREATE TABLE "contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"mode" text NOT NULL,
	"phone" text,
	"lid" text,
	"wa_id" text,
	"push_name" text,
	"on_whatsapp" boolean,
	"checked_at" timestamp with time zone,
	"last_inbound_at" timestamp with time zone,
	"last_outbound_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_mode_ck" CHECK (mode in ('live', 'test'))
);
--> statement-breakpoint
ALTER TABLE "broadcasts" DROP CONSTRAINT "broadcasts_type_ck";--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_type_ck";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "call_policy" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "recipient_lid" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "payload" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reactions" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "edits" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "votes" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_user_mode_phone_uq" ON "contacts" USING btree ("user_id","mode","phone") WHERE phone is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_user_mode_lid_uq" ON "contacts" USING btree ("user_id","mode","lid") WHERE phone is null and lid is not null;--> statement-breakpoint
CREATE INDEX "contacts_user_idx" ON "contacts" USING btree ("user_id","mode","id");--> statement-breakpoint
CREATE INDEX "contacts_lid_idx" ON "contacts" USING btree ("user_id","lid");--> statement-breakpoint
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_type_ck" CHECK (type in ('text', 'image', 'video', 'audio', 'document', 'sticker', 'other', 'voice', 'location', 'contact', 'poll'));--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_type_ck" CHECK (type in ('text', 'image', 'video', 'audio', 'document', 'sticker', 'other', 'voice', 'location', 'contact', 'poll'));