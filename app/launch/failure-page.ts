import { NextResponse } from 'next/server';

// Every refused launch gets exactly these bytes, whatever the cause: a difference would tell an
// attacker which part of the token was wrong (a padding oracle). The cause goes to the launch log.
export const LAUNCH_FAILURE_STATUS = 400;

export const LAUNCH_FAILURE_HTML = page(
  'This visit link cannot be opened',
  '<p>The link may have expired or been changed. Please go back to MyChart or Epic and open your video visit again.</p>\n<p>If this keeps happening, contact your clinic.</p>',
);

/** A good link to a visit that is over: no session, no records, just the news. */
export function visitEndedResponse(): NextResponse {
  return new NextResponse(page('This visit has ended.', '<p>Your provider has ended this video visit. You can close this page.</p>'), {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" },
  });
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f8fafc;color:#0f172a}
main{max-width:32rem;margin:15vh auto 0;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.25rem;margin:0 0 .75rem}
p{line-height:1.5;margin:.5rem 0}
</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

export function launchFailureResponse(): Response {
  return new Response(LAUNCH_FAILURE_HTML, {
    status: LAUNCH_FAILURE_STATUS,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    },
  });
}
