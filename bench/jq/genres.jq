# tmdb-shape genres in jq: one row per genre of a movie (key: movie_id and genre_id), README's
# columns and types.
def text: if . == null then null else tostring end;
(.id | text) as $movie_id
| (.genres // [])[]
| {
    movie_id: $movie_id,
    genre_id: .id,
    name: .name
  }
