-- The limits' counters for rate-limiter-flexible's PostgreSQL store (one atomic statement per call), in
-- its own table shape: a window's end in milliseconds since the epoch. A new table rather than a change
-- of "RateLimitCounter", so hosts from before keep working (on their table) while a deployment's hosts
-- are replaced one by one; running windows and blocks are carried over with their end (timestamp(3)
-- holds UTC).
CREATE TABLE "RateLimitWindow" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "RateLimitWindow_pkey" PRIMARY KEY ("key")
);

INSERT INTO "RateLimitWindow" ("key", "points", "expire")
SELECT "key", "points", (EXTRACT(EPOCH FROM "expire") * 1000)::BIGINT
FROM "RateLimitCounter"
WHERE "expire" IS NULL OR "expire" > (now() AT TIME ZONE 'UTC');
