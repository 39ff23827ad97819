-- rate-limiter-flexible's PostgreSQL store (one atomic statement per call) keeps a window's end as
-- milliseconds since the epoch. Converted in place, so windows and blocks running at the upgrade
-- keep their end (timestamp(3) holds UTC).
ALTER TABLE "RateLimitCounter"
  ALTER COLUMN "expire" TYPE BIGINT USING (EXTRACT(EPOCH FROM "expire") * 1000)::BIGINT;
