// When the site was built and how its data loaded. `crmlake report` writes this file itself
// (src/report/build.ts) with each data file's rows or error; this loader serves `observable preview`.
process.stdout.write(JSON.stringify({ built_at: new Date().toISOString(), loaders: [] }));
