# cortexql from R: one function that POSTs a GraphQL query and returns its `data` as R lists and
# data frames (jsonlite simplifies a list of objects into a data.frame). Needs httr2 and jsonlite
# (Debian: apt-get install r-cran-httr2 r-cran-jsonlite). Server: $CORTEXQL_URL (default
# http://127.0.0.1:4000/graphql); API key: $CORTEXQL_API_KEY, when the server needs one.
library(httr2)
library(jsonlite)

cortexql <- function(query, variables = NULL,
                     url = Sys.getenv("CORTEXQL_URL", "http://127.0.0.1:4000/graphql"),
                     key = Sys.getenv("CORTEXQL_API_KEY")) {
  payload <- list(query = query)
  if (length(variables)) payload$variables <- variables
  # GraphQL errors come with 4xx statuses too: read the body either way, then raise its code.
  req <- req_error(req_body_json(request(url), payload), is_error = function(resp) FALSE)
  if (nzchar(key)) req <- req_auth_bearer_token(req, key)
  body <- fromJSON(resp_body_string(req_perform(req)), simplifyVector = TRUE)
  if (!is.null(body$errors)) {
    stop(sprintf("[%s] %s", body$errors$extensions$code[1], body$errors$message[1]), call. = FALSE)
  }
  body$data
}
