/** The synthetic demo company (Lotus & Leaf): a seeded generator of every feed's files. */
export { DEFAULT_CUSTOMERS, DEFAULT_DAYS, DEMO_VARS, generateCompany, type DemoDelivery, type DemoManifest, type DemoOptions } from './generate.js';
