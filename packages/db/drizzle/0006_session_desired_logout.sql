ALTER TABLE "whatsapp_sessions" DROP CONSTRAINT "whatsapp_sessions_desired_ck";--> statement-breakpoint
ALTER TABLE "whatsapp_sessions" ADD COLUMN "desired_generation" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "whatsapp_sessions" ADD CONSTRAINT "whatsapp_sessions_desired_ck" CHECK (desired_state in ('running', 'stopped', 'logged_out'));