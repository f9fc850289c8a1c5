# The page: index.html with a row.html per film (films.jsonl, one object a line, on the input).
# In a template, {{name}} stands for the value of name HTML-escaped, {{{name}}} for the value
# as it is (HTML already). report.sh passes the templates as $page and $row, and the page's
# values: $name (the director's), $source (the warehouse's file name), $provenance (the line
# naming the data's source and sync time), $films (how many), and $counters (the headline
# numbers, each {label, value, note}), filled into the page's counter rows.

def fill($values):
  gsub("\\{\\{(?<raw>\\{?)(?<name>[a-z_]+)\\}?\\}\\}";
    .raw as $raw | .name as $key
    | if $values | has($key) then $values[$key] | tostring | if $raw == "" then @html else . end
      else error("no value for {{\($key)}}") end);

[inputs | . as $film | $row | rtrimstr("\n") | fill($film)] as $rows
| ($counters | map("<tr><th>\(.label | @html)</th><td class=\"n\">\(.value | @html)</td><td>\(.note | @html)</td></tr>")
   | join("\n")) as $counter_rows
| $page | fill({title: "\($name) Films", films: $films, source: $source, provenance: $provenance,
    counters: $counter_rows, rows: $rows | join("\n")})
