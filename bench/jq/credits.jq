# tmdb-shape credits in jq: one row per cast credit, README's columns and types.
def text: if . == null then null else tostring end;
(.id | text) as $movie_id | .title as $title
| (.credits.cast // [])[]
| {
    credit_id: (.credit_id | text),
    movie_id: $movie_id,
    title: $title,
    person_id: (.id | text),
    person_name: .name,
    character: .character,
    order: .order,
    cast_id: .cast_id
  }
