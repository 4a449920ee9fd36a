ALTER TABLE "crm_rollup_day_bits" ADD COLUMN "first_planes" bit varying[];--> statement-breakpoint
ALTER TABLE "crm_rollup_day_bits" ADD COLUMN "last_planes" bit varying[];--> statement-breakpoint
-- Each day's first and last slots, bit-sliced, from the user-days already rolled up (no re-roll).
WITH words AS (
  SELECT day, num >> 13 AS chunk, (num & 8191) >> 6 AS word,
    bit_or(((first_slot >> 0) & 1)::int8 << (63 - (num & 63))) AS f0,
    bit_or(((first_slot >> 1) & 1)::int8 << (63 - (num & 63))) AS f1,
    bit_or(((first_slot >> 2) & 1)::int8 << (63 - (num & 63))) AS f2,
    bit_or(((first_slot >> 3) & 1)::int8 << (63 - (num & 63))) AS f3,
    bit_or(((first_slot >> 4) & 1)::int8 << (63 - (num & 63))) AS f4,
    bit_or(((first_slot >> 5) & 1)::int8 << (63 - (num & 63))) AS f5,
    bit_or(((first_slot >> 6) & 1)::int8 << (63 - (num & 63))) AS f6,
    bit_or(((last_slot >> 0) & 1)::int8 << (63 - (num & 63))) AS l0,
    bit_or(((last_slot >> 1) & 1)::int8 << (63 - (num & 63))) AS l1,
    bit_or(((last_slot >> 2) & 1)::int8 << (63 - (num & 63))) AS l2,
    bit_or(((last_slot >> 3) & 1)::int8 << (63 - (num & 63))) AS l3,
    bit_or(((last_slot >> 4) & 1)::int8 << (63 - (num & 63))) AS l4,
    bit_or(((last_slot >> 5) & 1)::int8 << (63 - (num & 63))) AS l5,
    bit_or(((last_slot >> 6) & 1)::int8 << (63 - (num & 63))) AS l6
  FROM crm_rollup_user_days GROUP BY 1, 2, 3
), strings AS (
  SELECT day, chunk,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f0), 16, '0'), '' ORDER BY word) AS f0,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f1), 16, '0'), '' ORDER BY word) AS f1,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f2), 16, '0'), '' ORDER BY word) AS f2,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f3), 16, '0'), '' ORDER BY word) AS f3,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f4), 16, '0'), '' ORDER BY word) AS f4,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f5), 16, '0'), '' ORDER BY word) AS f5,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(f6), 16, '0'), '' ORDER BY word) AS f6,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l0), 16, '0'), '' ORDER BY word) AS l0,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l1), 16, '0'), '' ORDER BY word) AS l1,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l2), 16, '0'), '' ORDER BY word) AS l2,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l3), 16, '0'), '' ORDER BY word) AS l3,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l4), 16, '0'), '' ORDER BY word) AS l4,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l5), 16, '0'), '' ORDER BY word) AS l5,
    string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(l6), 16, '0'), '' ORDER BY word) AS l6
  FROM (SELECT *, lag(word) OVER (PARTITION BY day, chunk ORDER BY word) AS prev FROM words) x GROUP BY 1, 2
)
UPDATE "crm_rollup_day_bits" b SET
  "first_planes" = ARRAY[('x' || rpad(f0, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(f1, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(f2, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(f3, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(f4, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(f5, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(f6, 2048, '0'))::bit(8192)::varbit],
  "last_planes" = ARRAY[('x' || rpad(l0, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(l1, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(l2, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(l3, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(l4, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(l5, 2048, '0'))::bit(8192)::varbit, ('x' || rpad(l6, 2048, '0'))::bit(8192)::varbit]
FROM strings s WHERE b.day = s.day AND b.chunk = s.chunk;--> statement-breakpoint
UPDATE "crm_rollup_day_bits" SET "first_planes" = array_fill(B'0'::bit(8192)::varbit, ARRAY[7]), "last_planes" = array_fill(B'0'::bit(8192)::varbit, ARRAY[7])
WHERE "first_planes" IS NULL;--> statement-breakpoint
ALTER TABLE "crm_rollup_day_bits" ALTER COLUMN "first_planes" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "crm_rollup_day_bits" ALTER COLUMN "last_planes" SET NOT NULL;--> statement-breakpoint
-- The users of a bit string whose slot (bit-sliced in planes[1..7], bit 0 first) is below s: a bit-sliced
-- comparison, most significant bit first, one AND/OR per plane over the whole string.
CREATE OR REPLACE FUNCTION crm_slot_lt(planes varbit[], members varbit, s int) RETURNS varbit
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE lt varbit := members & ~members; eq varbit := members;
BEGIN
  IF s <= 0 THEN RETURN lt; END IF;
  IF s >= 128 THEN RETURN members; END IF;
  FOR j IN REVERSE 6..0 LOOP
    IF (s >> j) & 1 = 1 THEN lt := lt | (eq & ~planes[j + 1]); eq := eq & planes[j + 1];
    ELSE eq := eq & ~planes[j + 1]; END IF;
  END LOOP;
  RETURN lt;
END $fn$;
