# tmdb-shape reviews in jq: one row per review of every merged page, README's columns and types.
def text: if . == null then null else tostring end;
(.id | text) as $movie_id | .title as $title
| (.reviews.results // [])[]
| {
    review_id: (.id | text),
    movie_id: $movie_id,
    title: $title,
    author: .author,
    content: .content,
    created_at: .created_at,
    updated_at: .updated_at,
    rating: .author_details.rating
  }
