-- Everything the charts and the page need, read from movie_analysis_view in one transaction so
-- they agree. report.sh runs it read-only in its work folder, where it writes:
--   films.tsv      the films in release order, undated last: row (from 0), budget, revenue,
--                  vote average, cast size, review rating, rated (0/1), rating label, title,
--                  title shortened for the bars, title length, voted (0/1); a missing number as 0
--   counters.tsv   the headline numbers: column, row, value as text, label, note (what it counts)
--   counters.jsonl the same, an object a line, for the page
--   counters.json  the seed's six metrics, exact
--   films.jsonl    one object per film, as the page's table shows it
--   meta.tsv       the number of films, the length of the longest title (at most 60)
-- Texts are gnuplot data fields in the .tsv files: in double quotes, with backslash and quote
-- escaped so gnuplot reads them back unchanged (tab and newline, which would split the row,
-- become spaces). Only the titles need escaping: the other texts are written here.
.headers off
.mode list
.separator "\t" "\n"
.nullvalue ""
BEGIN;

CREATE TEMP VIEW film AS
SELECT row_number() OVER (ORDER BY release_date IS NULL, release_date, title, movie_id) - 1 AS idx, *
FROM movie_analysis_view;

-- The headline numbers count released films that have the figure: an unreleased film's zero
-- votes and revenue would drag every average down. Released: dated, not after today, and
-- with votes or revenue on TMDB (a date alone may be a plan that slipped). Each number's
-- count of films goes under it.
CREATE TEMP VIEW metric AS
SELECT count(*) FILTER (WHERE released) AS total_films, count(*) AS all_films,
  round(avg(budget) FILTER (WHERE released AND budget > 0), 2) AS average_budget,
  count(*) FILTER (WHERE released AND budget > 0) AS budget_films,
  round(avg(revenue) FILTER (WHERE released AND revenue > 0), 2) AS average_revenue,
  count(*) FILTER (WHERE released AND revenue > 0) AS revenue_films,
  round(avg(vote_average) FILTER (WHERE released AND vote_count > 0), 2) AS average_rating,
  count(*) FILTER (WHERE released AND vote_count > 0) AS rating_films,
  round(sum(profit) FILTER (WHERE released AND budget > 0 AND revenue > 0), 2) AS total_profit,
  count(*) FILTER (WHERE released AND budget > 0 AND revenue > 0) AS profit_films,
  round(avg(cast_size) FILTER (WHERE released), 0) AS average_cast_size
FROM (SELECT *, release_date IS NOT NULL AND release_date <= date('now')
        AND (coalesce(vote_count, 0) > 0 OR coalesce(revenue, 0) > 0) AS released
      FROM movie_analysis_view);

-- Every amount shown, as money: $950, $12.3K, $123.4M, $1.08B, -$5.0M; null as a dash. By
-- owner (a film's idx, or -1 for the metrics) and name.
CREATE TEMP TABLE money (owner INTEGER, name TEXT, text TEXT, PRIMARY KEY (owner, name));
INSERT INTO money
WITH amount(owner, name, v) AS (
  SELECT idx, 'budget', budget FROM film
  UNION ALL SELECT idx, 'revenue', revenue FROM film
  UNION ALL SELECT idx, 'profit', profit FROM film
  UNION ALL SELECT -1, 'average_budget', average_budget FROM metric
  UNION ALL SELECT -1, 'average_revenue', average_revenue FROM metric
  UNION ALL SELECT -1, 'total_profit', total_profit FROM metric)
SELECT owner, name,
  CASE WHEN v IS NULL THEN '–' ELSE
    (CASE WHEN v < 0 THEN '-' ELSE '' END) || '$' ||
    CASE WHEN abs(v) >= 999995000 THEN printf('%.2fB', abs(v) / 1e9)
         WHEN abs(v) >= 999950 THEN printf('%.1fM', abs(v) / 1e6)
         WHEN abs(v) >= 999.95 THEN printf('%.1fK', abs(v) / 1e3)
         ELSE printf('%.0f', abs(v)) END
  END
FROM amount;

.output films.tsv
WITH f AS (
  SELECT *, CASE WHEN length(title) > 60 THEN substr(title, 1, 59) || '…' ELSE title END AS short_title
  FROM film)
SELECT idx, coalesce(budget, 0), coalesce(revenue, 0), coalesce(vote_average, 0),
  coalesce(cast_size, 0), coalesce(avg_review_rating, 0), avg_review_rating IS NOT NULL,
  '"' || CASE WHEN avg_review_rating IS NOT NULL THEN printf('%.1f', avg_review_rating)
              WHEN coalesce(review_count, 0) = 0 THEN 'no reviews'
              ELSE 'no ratings' END || '"',
  '"' || replace(replace(replace(replace(replace(coalesce(title, ''),
    '\', '\\'), '"', '\"'), char(9), ' '), char(10), ' '), char(13), ' ') || '"',
  '"' || replace(replace(replace(replace(replace(coalesce(short_title, ''),
    '\', '\\'), '"', '\"'), char(9), ' '), char(10), ' '), char(13), ' ') || '"',
  coalesce(length(title), 0), coalesce(vote_count, 0) > 0 AND vote_average IS NOT NULL
FROM f ORDER BY idx;

-- Each number's note: how many released films it counts (films, with what they have), or,
-- under Total Films (films = NULL), how many the warehouse holds.
CREATE TEMP TABLE counter AS
WITH counter(col, row, value, label, films, what) AS (
  SELECT 0, 0, CAST(total_films AS TEXT), 'Total Films', NULL, '' FROM metric
  UNION ALL SELECT 1, 0, (SELECT text FROM money WHERE owner = -1 AND name = 'average_budget'), 'Average Budget',
    budget_films, ' with a budget' FROM metric
  UNION ALL SELECT 2, 0, (SELECT text FROM money WHERE owner = -1 AND name = 'average_revenue'), 'Average Revenue',
    revenue_films, ' with revenue' FROM metric
  UNION ALL SELECT 0, 1, CASE WHEN average_rating IS NULL THEN '–' ELSE printf('%.2f', average_rating) END,
    'Average Rating', rating_films, ' with votes' FROM metric
  UNION ALL SELECT 1, 1, (SELECT text FROM money WHERE owner = -1 AND name = 'total_profit'), 'Total Profit',
    profit_films, ' with budget and revenue' FROM metric
  UNION ALL SELECT 2, 1, CASE WHEN average_cast_size IS NULL THEN '–' ELSE printf('%.0f', average_cast_size) END,
    'Average Cast Size', total_films, '' FROM metric)
SELECT col, row, value, label,
  CASE WHEN films IS NULL THEN printf('released, of %d in the warehouse', (SELECT all_films FROM metric))
       ELSE printf('%d released film%s%s', films, CASE films WHEN 1 THEN '' ELSE 's' END, what) END AS note
FROM counter;

.output counters.tsv
SELECT col, row, '"' || value || '"', '"' || label || '"', '"' || note || '"' FROM counter ORDER BY row, col;

.output counters.jsonl
SELECT json_object('label', label, 'value', value, 'note', note) FROM counter ORDER BY row, col;

.output counters.json
SELECT json_object('total_films', total_films, 'average_budget', average_budget,
  'average_revenue', average_revenue, 'average_rating', average_rating,
  'total_profit', total_profit, 'average_cast_size', average_cast_size)
FROM metric;

.output films.jsonl
SELECT json_object('title', coalesce(title, ''), 'release_date', coalesce(release_date, '–'),
  'budget', (SELECT text FROM money WHERE owner = film.idx AND name = 'budget'),
  'revenue', (SELECT text FROM money WHERE owner = film.idx AND name = 'revenue'),
  'profit', (SELECT text FROM money WHERE owner = film.idx AND name = 'profit'),
  'vote_average', CASE WHEN vote_average IS NULL THEN '–' ELSE printf('%.1f', vote_average) END,
  'cast_size', cast_size, 'review_count', review_count,
  'avg_review_rating', CASE WHEN avg_review_rating IS NULL THEN '–' ELSE printf('%.1f', avg_review_rating) END)
FROM film ORDER BY idx;

.output meta.tsv
SELECT count(*), coalesce(max(min(length(title), 60)), 0) FROM film;
COMMIT;
