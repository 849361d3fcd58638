// The reporting currency of the marts (var reporting_currency of the build). `crmlake report`
// writes this file anew in its copy of the site from the last committed build; this default
// serves `observable preview`.
export const CURRENCY = "GBP";
