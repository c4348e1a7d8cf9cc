<?php
// Test script: the session app of bridge_app.sh, in PHP (same queries, same
// body with lang=php). Not a CGI by itself: the tests copy it under the
// document root and run it through php-cgi with mod_actions.
$count = getenv("MARTEN_SESSION_count");
$user = getenv("MARTEN_SESSION_user_id");
$do = $_GET["do"] ?? "show";
if ($do === "count") {
    header("X-Marten-Session-Set: count=" . ((int) $count + 1));
} elseif ($do === "login") {
    $self = strtok($_SERVER["REQUEST_URI"], "?");
    header("Location: $self?do=show", true, 303);
    header("X-Marten-Session-Set: user_id=" . rawurlencode($_GET["user"] ?? ""));
    header("X-Marten-Session-Cycle-Key: 1");
} elseif ($do === "logout") {
    header("X-Marten-Session-Flush: 1");
}
header("Content-Type: text/plain; charset=utf-8");
echo "lang=php\ncount=", $count === false ? "" : $count,
     "\nuser=", $user === false ? "" : $user, "\n";
