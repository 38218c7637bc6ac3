// The demo merchant's HTML pages: self-contained (inline styles, no scripts, no external
// assets), so they work offline and under a strict Content-Security-Policy.

const STYLE = `
  :root { color-scheme: light dark; --accent: #4f46e5; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 24px;
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    background: Canvas; color: CanvasText; }
  main { width: 100%; max-width: 420px; padding: 32px; border-radius: 16px;
    border: 1px solid color-mix(in srgb, CanvasText 15%, transparent);
    box-shadow: 0 8px 32px rgb(0 0 0 / 0.08); }
  .brand { margin: 0 0 24px; font-size: 13px; letter-spacing: 0.08em; text-transform: uppercase;
    color: color-mix(in srgb, CanvasText 60%, transparent); }
  h1 { margin: 0 0 8px; font-size: 24px; line-height: 1.25; }
  p { margin: 0 0 24px; color: color-mix(in srgb, CanvasText 75%, transparent); }
  input { width: 100%; margin: 0 0 16px; padding: 12px; font: inherit; letter-spacing: 0.1em;
    border-radius: 8px; border: 1px solid color-mix(in srgb, CanvasText 30%, transparent); }
  button { width: 100%; padding: 12px 16px; font: inherit; font-weight: 600; color: #fff;
    background: var(--accent); border: 0; border-radius: 8px; cursor: pointer; }
  button:hover { filter: brightness(1.1); }
  .error { color: #dc2626; }
`;

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
  };
  return text.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tessera demo merchant</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="brand">Tessera demo merchant</p>
${content}
</main>
</body>
</html>
`;
}

/** The sign-up page: the product and a button that posts to `action`. */
export function signupPage(productName: string, action: string): string {
  return layout(
    `Sign up for ${productName}`,
    `<h1>${escapeHtml(productName)}</h1>
<p>Your provider includes ${escapeHtml(productName)} in your plan. Start your subscription to
get access right away.</p>
<form method="post" action="${escapeHtml(action)}">
<button type="submit">Start my subscription</button>
</form>`,
  );
}

/**
 * Where a user enters an activation code; `error` says why the last one did not work. The form
 * has no `action`, so it posts back to this page's own URL.
 */
export function activationCodePage(error?: string): string {
  const problem = error === undefined ? '' : `<p class="error">${escapeHtml(error)}</p>`;
  return layout(
    'Enter your activation code',
    `<h1>Enter your activation code</h1>
<p>Your provider gave you a code such as ABCD-2345.</p>
${problem}
<form method="post">
<input name="code" autocomplete="one-time-code" autocapitalize="characters" required
  aria-label="Activation code" placeholder="ABCD-2345">
<button type="submit">Start my subscription</button>
</form>`,
  );
}

/** Shown once the subscription is active. */
export function activatedPage(productName: string): string {
  return messagePage(
    `${productName} is ready`,
    `Your subscription to ${productName} is active. Enjoy!`,
  );
}

/** A page with a heading and one paragraph. */
export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`);
}
