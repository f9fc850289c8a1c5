# tmdb-shape crew in jq: one row per crew credit, README's columns and types.
def text: if . == null then null else tostring end;
(.id | text) as $movie_id
| (.credits.crew // [])[]
| {
    credit_id: (.credit_id | text),
    movie_id: $movie_id,
    person_id: (.id | text),
    person_name: .name,
    department: .department,
    job: .job
  }
