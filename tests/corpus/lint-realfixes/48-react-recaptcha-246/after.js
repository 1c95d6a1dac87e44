import React, { Component } from 'react';

const isReady = () => typeof window !== 'undefined'
  && typeof window.grecaptcha !== 'undefined'
  && typeof window.grecaptcha.render === 'function';

let readyCheck;

export default class Recaptcha extends Component {
  constructor(props) {
    super(props);
    this.state = { ready: isReady(), widget: null };
    if (!this.state.ready && typeof window !== 'undefined') {
      readyCheck = setInterval(this._updateReadyState.bind(this), 1000);
    }
  }

  componentDidMount() {
    if (this.state.ready) this._renderGrecaptcha();
  }

  componentWillUnmount() {
    clearInterval(readyCheck);
  }

  _updateReadyState() {
    if (isReady()) {
      this.setState({ ready: true });
      clearInterval(readyCheck);
    }
  }

  _renderGrecaptcha() {
    this.state.widget = window.grecaptcha.render(this.props.elementID, { sitekey: this.props.sitekey });
  }

  render() {
    return <div id={this.props.elementID} data-sitekey={this.props.sitekey} />;
  }
}
