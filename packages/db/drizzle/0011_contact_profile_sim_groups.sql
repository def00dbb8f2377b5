CREATE TABLE "simulator_groups" (
	"session_id" text NOT NULL,
	"group_id" text NOT NULL,
	"info" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "simulator_groups_session_id_group_id_pk" PRIMARY KEY("session_id","group_id")
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "about" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "profile_picture_url" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "profile_checked_at" timestamp with time zone;