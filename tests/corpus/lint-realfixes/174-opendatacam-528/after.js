const cloneDeep = require('lodash.clonedeep');
const { EventEmitter } = require('events');

const COUNTING_DIRECTION = {
  LEFTRIGHT_TOPBOTTOM: 'leftright_topbottom',
  RIGHTLEFT_BOTTOMTOP: 'rightleft_bottomtop',
  ENTERING_ZONE: 'entering_zone',
  LEAVING_ZONE: 'leaving_zone',
};

const initialState = {
  currentFrame: 0,
  // per counting area: { _total, <class name>: count }; no history is kept
  counterSummary: {},
  counterBuffer: {},
  countingAreas: {},
  recordingStatus: {
    isRecording: false,
    recordingId: null,
    dateStarted: null,
  },
  eventEmitter: new EventEmitter(),
  database: null,
};

// the whole server's counting state: one per process
let Opendatacam = cloneDeep(initialState);

module.exports = {

  registerCountingAreas(countingAreas) {
    Object.keys(countingAreas).forEach((countingAreaKey) => {
      if (countingAreas[countingAreaKey]) {
        Opendatacam.countingAreas[countingAreaKey] = countingAreas[countingAreaKey];
        Opendatacam.counterSummary[countingAreaKey] = { _total: 0 };
      }
    });
  },

  // called for every tracked object that crosses a counting line, every frame
  countItem(trackedItem, countingAreaKey, frameId, countingDirection, angleWithCountingLine) {
    if (Opendatacam.recordingStatus.isRecording) {
      var countedItem = {
        frameId,
        timestamp: new Date(),
        area: countingAreaKey,
        name: trackedItem.name,
        id: trackedItem.id,
        bearing: trackedItem.bearing,
        countingDirection,
        angleWithCountingLine,
      };

      if ('lat' in trackedItem && 'lon' in trackedItem) {
        countedItem.lat = trackedItem.lat;
        countedItem.lon = trackedItem.lon;
      }

      // count it instead of keeping it
      if (countedItem.countingDirection !== COUNTING_DIRECTION.LEAVING_ZONE) {
        const areaSummary = Opendatacam.counterSummary[countedItem.area];
        areaSummary[countedItem.name] = (areaSummary[countedItem.name] || 0) + 1;
        areaSummary._total++;
      }
    }
    if (countingDirection !== COUNTING_DIRECTION.LEAVING_ZONE) {
      trackedItem.counted.push({
        areaKey: countingAreaKey,
        timeMs: new Date().getTime(),
      });
    }

    return countedItem;
  },

  getCounterSummary() {
    return Opendatacam.counterSummary;
  },

  startRecording() {
    Opendatacam.recordingStatus.isRecording = true;
    Opendatacam.recordingStatus.dateStarted = new Date();
    Object.keys(Opendatacam.counterSummary).forEach((key) => {
      Opendatacam.counterSummary[key] = { _total: 0 };
    });
  },

  stopRecording() {
    Opendatacam.recordingStatus.isRecording = false;
    Opendatacam.counterBuffer = {};
    Object.keys(Opendatacam.counterSummary).forEach((key) => {
      Opendatacam.counterSummary[key] = { _total: 0 };
    });
  },
};
