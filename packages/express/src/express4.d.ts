// Express 4 is installed under the alias `express4` so one test run covers both majors;
// its API surface used by the tests is the same as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
