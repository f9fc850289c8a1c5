# tmdb-shape movies in jq: one row per movie object, README's columns and types.
def text: if . == null then null else tostring end;
{
  movie_id: (.id | text),
  title: .title,
  overview: .overview,
  release_date: (if .release_date == "" then null else .release_date end),
  runtime: .runtime,
  budget: .budget,
  revenue: .revenue,
  vote_average: .vote_average,
  vote_count: .vote_count,
  popularity: .popularity
}
