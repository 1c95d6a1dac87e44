import React from 'react'

// appWithTranslation wraps the Next.js App. On the server the App component is
// constructed for every page request; i18n is one module-level instance.
export default function appWithTranslation(WrappedComponent) {
  const { config, i18n } = this

  class AppWithTranslation extends React.Component {
    constructor(props) {
      super(props)

      // only in the browser, where the App is constructed once per page load
      if (process.browser && config.localeSubpaths) {
        i18n.on('languageChanged', (lng) => {
          const { router } = props
          const { pathname, asPath, query } = router
          const as = `/${lng}${asPath.replace(/^\/[a-z]{2}(?=\/|$)/, '')}`
          if (as !== asPath) {
            router.replace({ pathname, query }, as, { shallow: true })
          }
        })
      }
    }

    render() {
      return React.createElement(WrappedComponent, this.props)
    }
  }

  return AppWithTranslation
}
