-- Fills the scale benchmark's study with %(size)s completed participants of 12 trials each:
-- practice at 0, 9 test items at 1..9 (6 human, 3 GPT-4, rotating, so exposures are balanced),
-- 2 catch trials at 10 and 11. Plain SQL, so older checkouts get the same data; it names a
-- value for every column the ORM fills in itself (the schema has no defaults for them).
INSERT INTO participants_participant (
    study_id, public_id, token_hash, status, recruitment_source, recruitment_id,
    prolific_study_id, prolific_session_id, consented_at, gender, age, country, position,
    experience_years, instructions_done_at, outside_help, feedback, started_at, last_seen_at,
    completed_at, user_agent, updated_at, flag_failed_catch, flag_no_slider, flag_outside_help,
    browser_mark_hash, address_hash, repeat_suspected)
SELECT s.id, gen_random_uuid(), NULL, 'completed', 'pid', 'seed-' || g, '', '', now(), 'Female',
       30, 'Germany', 'Doctoral student', 5.0, now(), false, '', now(), now(), now(), 'seed', now(),
       false, false, false, '', '', false
FROM studies_study s, generate_series(1, %(size)s) g WHERE s.slug = 'bench-scale';

WITH bank AS (
    SELECT
        (SELECT array_agg(id ORDER BY id) FROM items_item
         WHERE bank = 'bench-scale' AND source = 'human' AND kind = 'test') AS human,
        (SELECT array_agg(id ORDER BY id) FROM items_item
         WHERE bank = 'bench-scale' AND source = 'gpt4' AND kind = 'test') AS gpt4,
        (SELECT min(id) FROM items_item WHERE bank = 'braintrial' AND kind = 'practice') AS practice,
        (SELECT array_agg(id ORDER BY id) FROM items_item
         WHERE bank = 'braintrial' AND kind = 'catch') AS catch
),
people AS (
    SELECT p.id, row_number() OVER (ORDER BY p.id) - 1 AS k
    FROM participants_participant p JOIN studies_study s ON s.id = p.study_id
    WHERE s.slug = 'bench-scale'
),
slots AS (
    SELECT people.id AS participant_id, pos,
           CASE WHEN pos = 0 THEN bank.practice
                WHEN pos BETWEEN 1 AND 6 THEN bank.human[((6 * k + pos - 1) % 200) + 1]
                WHEN pos BETWEEN 7 AND 9 THEN bank.gpt4[((3 * k + pos - 7 + 50) % 100) + 1]
                ELSE bank.catch[pos - 9] END AS item_id,
           CASE WHEN pos = 0 THEN 'practice' WHEN pos <= 9 THEN 'test' ELSE 'catch' END AS kind
    FROM people, bank, generate_series(0, 11) pos
)
INSERT INTO participants_trial (
    participant_id, item_id, position, kind, original_is_a, shown_at, answered_at, choice,
    correct, confidence, expertise, recognised, rt_server_ms, rt_client_ms, blur_count,
    confidence_moved, expertise_moved, flag_recognised, flag_fast)
SELECT participant_id, item_id, pos, kind, pos % 2 = 0, now(), now(), 'A', pos % 2 = 0, 60, 40,
       false, 30000, 30000, 0, true, true, false, false
FROM slots;
