CREATE TABLE "stored_media" (
	"key" text PRIMARY KEY NOT NULL,
	"mime_type" text NOT NULL,
	"filename" text,
	"size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
