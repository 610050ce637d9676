// Koa 2 is installed under the alias `koa2` so one test run covers both majors; the
// surface the tests use is the same in Koa 3's types.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
