/** @type {import('next').NextConfig} */
export default {
  // pg is a Node server package: load it at run time instead of bundling it.
  serverExternalPackages: ['pg'],
};
