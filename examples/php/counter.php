<?php
// Counts your visits in the session, like examples/cgi/counter.sh: the
// session is in getenv("MARTEN_SESSION_...") and changes go out as headers.
$visits = (int) getenv("MARTEN_SESSION_visits") + 1;
header("X-Marten-Session-Set: visits=" . $visits);
header("Content-Type: text/plain; charset=utf-8");

$user = getenv("MARTEN_SESSION_user_id");
echo "visits: $visits\n";
echo "user: ", $user === false ? "(not logged in)" : $user, "\n";

// The whole session as JSON, when a script needs every key:
$session = json_decode(getenv("MARTEN_SESSION") ?: "{}", true);
echo "keys: ", implode(",", array_keys($session)), "\n";
