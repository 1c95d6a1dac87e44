/**
 * Copyright (c) Facebook, Inc. and its affiliates.
 *
 * This source code is licensed under the MIT license found in the
 * LICENSE file in the root directory of this source tree.
 */

import path from 'path';
import fs from 'fs-extra';
import _ from 'lodash';
import logger from '@docusaurus/logger';
import {normalizeUrl, posixPath} from '@docusaurus/utils';
import chokidar, {type FSWatcher} from 'chokidar';
import openBrowser from 'react-dev-utils/openBrowser';
import {prepareUrls} from 'react-dev-utils/WebpackDevServerUtils';
import webpack from 'webpack';
import WebpackDevServer from 'webpack-dev-server';
import {loadSite, type LoadContextParams} from '../server/site';
import {createStartClientConfig} from '../webpack/client';
import {getHostPort, type HostPortOptions} from '../server/getHostPort';
import type {Props} from '@docusaurus/types';

export type StartCLIOptions = HostPortOptions &
  Pick<LoadContextParams, 'locale' | 'config'> & {
    hotOnly?: boolean;
    open?: boolean;
    poll?: boolean | number;
    minify?: boolean;
  };

type AfterReload = (props: Props) => void;

function chain(first: AfterReload | undefined, second: AfterReload): AfterReload {
  return (props) => {
    first?.(props);
    second(props);
  };
}

export async function start(siteDirParam: string = '.', cliOptions: Partial<StartCLIOptions> = {}): Promise<void> {
  const siteDir = await fs.realpath(siteDirParam);
  logger.info('Starting the development server...');

  async function loadSiteProps(): Promise<Props> {
    const site = await loadSite({siteDir, config: cliOptions.config, locale: cliOptions.locale, localizePath: undefined});
    return site.props;
  }

  let props: Props = await loadSiteProps();
  const protocol: string = process.env.HTTPS === 'true' ? 'https' : 'http';
  const {host, port} = await getHostPort(cliOptions);
  if (port === null) {
    process.exit();
  }
  const urls = prepareUrls(protocol, host, port);
  const openUrl = normalizeUrl([urls.localUrlForBrowser, props.baseUrl]);
  logger.success`Docusaurus website is running at: url=${openUrl}`;

  let afterReload: AfterReload | undefined;
  let pluginWatcher: FSWatcher | undefined;
  let staticWatcher: FSWatcher | undefined;
  let reloadCount = 0;

  const compiler = webpack(await createStartClientConfig({props, minify: cliOptions.minify ?? true, hydrate: false, poll: cliOptions.poll}));

  const reload = _.debounce(async () => { // ok: closure-capture
    reloadCount += 1;
    const slowNotice = setInterval(() => logger.info('Still reloading the site...'), 5000); // leak: timer-leak
    const newProps = await loadSiteProps();
    clearInterval(slowNotice);
    const previousBaseUrl = props.baseUrl;
    props = newProps;
    if (previousBaseUrl !== props.baseUrl) {
      logger.success`Docusaurus website is running at: url=${normalizeUrl([urls.localUrlForBrowser, props.baseUrl])}`;
    }

    // content plugins may have new paths after a config change
    const pluginPaths = props.plugins.flatMap((plugin) => plugin.getPathsToWatch?.() ?? []).map(posixPath); // ok: unbounded-collection
    pluginWatcher = chokidar.watch(pluginPaths, {cwd: siteDir, ignoreInitial: true}); // leak: resource-per-request
    ['add', 'change', 'unlink'].forEach((event) => pluginWatcher!.on(event, reload)); // ok: listener-leak

    const staticPaths = props.siteConfig.staticDirectories.map((dir) => path.resolve(siteDir, dir));
    await staticWatcher?.close();
    staticWatcher = chokidar.watch(staticPaths, {cwd: siteDir, ignoreInitial: true}); // ok: resource-per-request
    staticWatcher.on('all', () => compiler.watching?.invalidate()); // ok: listener-leak

    // tell the browser tab which routes changed, once the next compile is done
    compiler.hooks.done.tap('docusaurus-route-notice', (stats) => { // leak: listener-leak
      if (!stats.hasErrors()) logger.info(`${props.routesPaths.length} routes after reload #${reloadCount}`);
    });

    afterReload = chain(afterReload, () => { // leak: closure-capture
      logger.info(`reload ${reloadCount}: ${newProps.routesPaths.length} routes, ${newProps.plugins.length} plugins`);
    });
    afterReload(props);
  }, 500);

  const {siteConfig, plugins, localizationDir} = props;
  const normalizeToSiteDir = (filepath: string) => (filepath && path.isAbsolute(filepath) ? posixPath(path.relative(siteDir, filepath)) : posixPath(filepath));
  const pathsToWatch = plugins.flatMap((plugin) => plugin.getPathsToWatch?.() ?? []).map(normalizeToSiteDir);
  pathsToWatch.push(normalizeToSiteDir(props.siteConfigPath), localizationDir); // ok: unbounded-collection

  const pollingOptions = {usePolling: !!cliOptions.poll, interval: Number.isInteger(cliOptions.poll) ? (cliOptions.poll as number) : undefined};
  const fsWatcher = chokidar.watch(pathsToWatch, {cwd: siteDir, ignoreInitial: true, ...pollingOptions}); // ok: resource-per-request
  ['add', 'change', 'unlink', 'addDir', 'unlinkDir'].forEach((event) => fsWatcher.on(event, reload)); // ok: listener-leak

  compiler.hooks.done.tap('docusaurus-first-compile', () => { // ok: listener-leak
    logger.success('Client compiled successfully');
  });

  const devServerConfig: WebpackDevServer.Configuration = {
    hot: cliOptions.hotOnly ? 'only' : true,
    liveReload: false,
    client: {progress: true, overlay: {warnings: false, errors: true}, webSocketURL: {hostname: '0.0.0.0', port: 0}},
    headers: {'access-control-allow-origin': '*'},
    devMiddleware: {publicPath: siteConfig.baseUrl === '/' ? siteConfig.baseUrl : siteConfig.baseUrl.replace(/\/$/, ''), stats: 'summary'},
    static: siteConfig.staticDirectories.map((dir) => ({publicPath: siteConfig.baseUrl, directory: path.resolve(siteDir, dir), watch: {usePolling: !!cliOptions.poll}})),
    historyApiFallback: {rewrites: [{from: /\/*/, to: siteConfig.baseUrl}]},
    allowedHosts: 'all',
    host,
    port,
  };

  if (cliOptions.hotOnly) {
    logger.info('Hot-only mode: the page will not reload when hot replacement fails');
  }
  const devServer = new WebpackDevServer(devServerConfig, compiler); // ok: resource-per-request
  devServer.startCallback(() => {
    if (cliOptions.open) {
      openBrowser(openUrl);
    }
  });

  let stopping = false;
  ['SIGINT', 'SIGTERM'].forEach((sig) => {
    process.on(sig, () => { // ok: listener-leak
      if (stopping) return;
      stopping = true;
      reload.cancel();
      Promise.all([devServer.stop(), fsWatcher.close(), pluginWatcher?.close(), staticWatcher?.close()]).finally(() => process.exit());
    });
  });

  let lastProgress = 0;
  const progressTimer = setInterval(() => { // ok: timer-leak
    if (Date.now() - lastProgress > 60_000) logger.info('Waiting for changes...');
  }, 60_000);
  compiler.hooks.watchRun.tap('docusaurus-progress', () => { // ok: listener-leak
    lastProgress = Date.now();
  });
  compiler.hooks.shutdown.tap('docusaurus-progress', () => clearInterval(progressTimer)); // ok: listener-leak
}
