"""The approvals app's REST API (API.md), by area: `posts` (posts, their workflow actions and
discussion), `review` (the queue, retrospective reviews), `crises`, `statements` (holding
statements), `consent` (retraction requests). `urls` gathers their routes."""
