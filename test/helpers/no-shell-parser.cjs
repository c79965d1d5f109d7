// Loaded with `node --require`: any attempt to load the shell parser (mvdan-sh) fails, so a test can show that a
// run did not need it.
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'mvdan-sh') throw new Error('test: the shell parser must not be loaded in this run');
  return resolve.call(this, request, ...rest);
};
