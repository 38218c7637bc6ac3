import type { ActionArgs } from '../../scenario/schema';
import { StepError, type ScenarioRun, type SignupForm } from '../scenario-run';

/**
 * `openSignupPage`: the user follows the sign-up URL the reseller got (`parameters.url`), as a
 * browser would, and the page's form is kept for {@link submitSignupPage}.
 */
export async function openSignupPage(
  run: ScenarioRun,
  args: ActionArgs<'openSignupPage'>,
): Promise<void> {
  const tracked = run.entitlement(args.entitlement);
  if (tracked.signupUrl === undefined) {
    throw new StepError(`${tracked.alias} has no sign-up URL (no answer carried parameters.url)`);
  }
  const response = await run.deps.userFetch(tracked.signupUrl);
  const page = await response.text();
  run.answer = run.deps.recorder.take();
  run.signupForm = readForm(page, tracked.signupUrl);
}

/** `submitSignupPage`: the user submits the sign-up form (opening the page first if need be). */
export async function submitSignupPage(
  run: ScenarioRun,
  args: ActionArgs<'submitSignupPage'>,
): Promise<void> {
  if (run.signupForm === undefined) {
    await openSignupPage(run, args);
  }
  const form = run.signupForm;
  if (form === undefined) {
    throw new StepError('the sign-up page has no form to submit');
  }
  run.signupForm = undefined;
  const response = await run.deps.userFetch(form.action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.fields.toString(),
  });
  await response.text();
  run.answer = run.deps.recorder.take();
}

/**
 * The first POST form of a page: its action (resolved against the page's URL, as a browser
 * does) and the values of its named inputs. Enough for the simple, script-free pages of the
 * demo merchant; not an HTML parser.
 */
export function readForm(page: string, pageUrl: string): SignupForm | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page);
  if (form === null || !/method\s*=\s*"?post"?/i.test(form[1] ?? '')) {
    return undefined;
  }
  const action = attribute(form[1] ?? '', 'action') ?? pageUrl;
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const name = attribute(input[1] ?? '', 'name');
    if (name !== undefined) {
      fields.append(name, attribute(input[1] ?? '', 'value') ?? '');
    }
  }
  return { action: new URL(decodeEntities(action), pageUrl).href, fields };
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(attributes);
  return match?.[1];
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
