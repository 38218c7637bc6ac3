/**
 * Loaded by mocha before any test file (see .mocharc.json): pins the time zone so date
 * handling cannot pass by accident on a developer's machine in UTC.
 */
process.env.TZ = 'UTC';
