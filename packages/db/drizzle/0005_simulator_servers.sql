CREATE TABLE "simulator_deliveries" (
	"reference" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"recipient" text NOT NULL,
	"text" text,
	"wa_message_id" text NOT NULL,
	"send_count" integer DEFAULT 1 NOT NULL,
	"first_sent_at" timestamp with time zone NOT NULL,
	"last_sent_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "simulator_failures" (
	"reference" text PRIMARY KEY NOT NULL,
	"failed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "simulator_linked_devices" (
	"session_id" text PRIMARY KEY NOT NULL,
	"phone_number" text NOT NULL,
	"linked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "simulator_deliveries_session_idx" ON "simulator_deliveries" USING btree ("session_id","first_sent_at");